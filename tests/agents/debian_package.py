"""Build a .deb with dpkg-deb from a staged tree, reproducibly.

Reproducible: every mtime is SOURCE_DATE_EPOCH, owners are root:root
(--root-owner-group), modes are set explicitly, and dpkg-deb itself uses
SOURCE_DATE_EPOCH for the ar header and sorts the members it writes.
"""

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# A fixed default keeps rebuilds byte-identical; a caller may set SOURCE_DATE_EPOCH.
DEFAULT_EPOCH = 1700000000


@dataclass
class PackageSpec:
    name: str
    version: str
    source_dir: Path
    # host path -> (content, mode)
    files: dict = field(default_factory=dict)
    # directories the package owns, created empty
    directories: list = field(default_factory=list)
    maintainer_scripts: tuple = ()


def source_date_epoch() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))


def _stage(spec: PackageSpec, arch: str, stage: Path) -> None:
    debian = stage / "DEBIAN"
    debian.mkdir(mode=0o755)
    control = (spec.source_dir / "control").read_text().replace("@VERSION@", spec.version).replace("@ARCH@", arch)
    (debian / "control").write_text(control)
    conffiles = spec.source_dir / "conffiles"
    if conffiles.exists():
        (debian / "conffiles").write_text(conffiles.read_text())
    for script in spec.maintainer_scripts:
        (debian / script).write_bytes((spec.source_dir / script).read_bytes())
        (debian / script).chmod(0o755)
    for directory in spec.directories:
        (stage / directory.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for host_path, (content, mode) in spec.files.items():
        target = stage / host_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(mode)


def _normalise(stage: Path, epoch: int) -> None:
    for path in [stage, *stage.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
        elif path.parent.name == "DEBIAN" and path.name not in ("control", "conffiles"):
            path.chmod(0o755)
        elif path.parent.name == "DEBIAN":
            path.chmod(0o644)
        os.utime(path, (epoch, epoch), follow_symlinks=False)


def build_deb(spec: PackageSpec, arch: str, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    output = outdir / f"{spec.name}_{spec.version}_{arch}.deb"
    epoch = source_date_epoch()
    with tempfile.TemporaryDirectory(prefix=f"{spec.name}-") as temporary:
        stage = Path(temporary) / "root"
        stage.mkdir()
        _stage(spec, arch, stage)
        _normalise(stage, epoch)
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--threads-max=1", "--build", str(stage), str(output)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return output
