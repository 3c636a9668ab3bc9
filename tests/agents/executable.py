"""One-file executables for the hosts: a python3 zip application, like a Go binary is one file.

The archive is written by hand so that its bytes depend only on the sources and the
version (fixed timestamps, sorted entries): the same tree always gives the same .deb.
The package's version goes in as a data member the runtime reads (runtime/package_version.py).
"""

import io
import zipfile
from pathlib import Path

from .runtime.package_version import RESOURCE as VERSION_RESOURCE

RUNTIME = Path(__file__).with_name("runtime")
SHEBANG = b"#!/usr/bin/python3\n"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def build_executable(module: str, package_version: str) -> bytes:
    """A zipapp whose __main__ runs runtime.<module>.main(), reporting package_version (a Debian version)."""
    if not package_version or package_version != package_version.strip():
        raise ValueError(f"package version {package_version!r}: a Debian version such as 1.90.0-1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {
            "__main__.py": f"import sys\n\nfrom standin.{module} import main\n\nsys.exit(main())\n".encode(),
        }
        for source in RUNTIME.glob("*.py"):
            entries[f"standin/{source.name}"] = source.read_bytes()
        entries[f"standin/{VERSION_RESOURCE}"] = f"{package_version}\n".encode()
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return SHEBANG + buffer.getvalue()
