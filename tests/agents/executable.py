"""One-file executables for the hosts: a python3 zip application, like a Go binary is one file.

The archive is written by hand so that its bytes depend only on the sources
(fixed timestamps, sorted entries): the same tree always gives the same .deb.
"""

import io
import zipfile
from pathlib import Path

RUNTIME = Path(__file__).with_name("runtime")
SHEBANG = b"#!/usr/bin/python3\n"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def build_executable(module: str) -> bytes:
    """A zipapp whose __main__ runs runtime.<module>.main()."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {
            "__main__.py": f"import sys\n\nfrom standin.{module} import main\n\nsys.exit(main())\n".encode(),
        }
        for source in RUNTIME.glob("*.py"):
            entries[f"standin/{source.name}"] = source.read_bytes()
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return SHEBANG + buffer.getvalue()
