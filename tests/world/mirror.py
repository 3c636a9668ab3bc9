"""The package mirror's tree: stand-in agent packages under AWS's bucket paths, SHA256SUMS, GPG signatures.

Layout (region-neutral; mirror_server maps every region's bucket name onto it), every version given:
  ssm/<version>/debian_<arch>/amazon-ssm-agent.deb and ssm/latest/debian_<arch>/amazon-ssm-agent.deb
    (the newest version; + .sig, binary detached signature, as AWS publishes it)
  ssm/latest/VERSION: the newest SSM agent version, the text alone, as AWS publishes it
  ecs/amazon-ecs-init-<version>.<arch>.deb and ecs/amazon-ecs-init-latest.<arch>.deb (the newest; + .asc, armored)
  each package directory: SHA256SUMS (``<sha256>  <file name>``, what get_url's checksum URL form reads)
  mirror-key.asc: the test signing key's public half; mirror-key.fingerprint
"Newest" is by Debian version comparison (dpkg --compare-versions), never by file name or order.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ARCHES = ("amd64", "arm64")
DEB_NAME = re.compile(r"^(?P<package>amazon-ssm-agent|amazon-ecs-init)_(?P<version>[^_]+)_(?P<arch>[^_]+)\.deb$")
STAMP = ".packages.sha256"
# Part of the stamp: a tree of an older layout is rebuilt even for the same packages.
LAYOUT = 2
SSM_VERSION_FILE = "ssm/latest/VERSION"


def build_agents(out_dir: Path) -> list[Path]:
    """Build the stand-in agent packages with tests/agents (``python -m tests.agents.build OUTDIR``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    printed = subprocess.run(
        [sys.executable, "-m", "tests.agents.build", str(out_dir)], check=True, capture_output=True, text=True
    ).stdout
    return sorted(Path(line.strip()) for line in printed.splitlines() if line.strip().endswith(".deb"))


def packages_digest(paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        sha.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return sha.hexdigest()


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1 as Debian orders the two versions (3.3.999.0 < 3.3.1000.0, 1.9-1 < 1.10-1)."""
    if left == right:
        return 0
    lower = subprocess.run(["dpkg", "--compare-versions", left, "lt", right], check=False).returncode == 0
    return -1 if lower else 1


def newest(versions) -> str:
    return max(versions, key=functools.cmp_to_key(compare_versions))


def _by_package_and_arch(debs: list[Path]) -> dict[tuple[str, str], dict[str, Path]]:
    """(package, arch) -> {version: .deb}; an ``all`` package serves every architecture."""
    found: dict[tuple[str, str], dict[str, Path]] = {}
    for deb in debs:
        match = DEB_NAME.match(deb.name)
        if not match:
            continue
        for arch in ARCHES if match["arch"] == "all" else (match["arch"],):
            versions = found.setdefault((match["package"], arch), {})
            if versions.get(match["version"], deb) != deb:
                raise ValueError(
                    f"two packages for {match['package']} {match['version']} {arch}: {versions[match['version']]}, {deb}"
                )
            versions[match["version"]] = deb
    missing = {"amazon-ssm-agent", "amazon-ecs-init"} - {package for package, _ in found}
    if missing:
        raise FileNotFoundError(f"no stand-in package for {', '.join(sorted(missing))} among {[d.name for d in debs]}")
    return found


def _placements(found: dict[tuple[str, str], dict[str, Path]]) -> dict[str, Path]:
    """Mirror-relative path -> source .deb: every version under its own path, the newest also as latest."""
    placed: dict[str, Path] = {}
    for (package, arch), versions in sorted(found.items()):
        latest = newest(versions)
        for version, deb in sorted(versions.items()):
            if package == "amazon-ssm-agent":
                placed[f"ssm/{version}/debian_{arch}/amazon-ssm-agent.deb"] = deb
            else:
                placed[f"ecs/amazon-ecs-init-{version}.{arch}.deb"] = deb
        if package == "amazon-ssm-agent":
            placed[f"ssm/latest/debian_{arch}/amazon-ssm-agent.deb"] = versions[latest]
        else:
            placed[f"ecs/amazon-ecs-init-latest.{arch}.deb"] = versions[latest]
    return placed


def _gpg(home: Path, *args: str) -> None:
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--quiet", *args], check=True, capture_output=True)


def build(debs: list[Path], root: Path, log=print) -> bool:
    """Write the mirror tree under ``root``; returns False when it is already there for these packages."""
    stamp = f"{packages_digest(debs)} layout {LAYOUT}"
    if (root / STAMP).exists() and (root / STAMP).read_text().strip() == stamp:
        return False
    log(f"world: building the package mirror in {root}")
    found = _by_package_and_arch(debs)
    placed = _placements(found)
    ssm_latest = newest(
        {version for (package, _), versions in found.items() if package == "amazon-ssm-agent" for version in versions}
    )
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="ecsa-world-gpg-") as home:
        gpg_home = Path(home)
        _gpg(
            gpg_home,
            "--passphrase",
            "",
            "--quick-gen-key",
            "ECS Anywhere test mirror <mirror@ecsa-world.invalid>",
            "ed25519",
            "sign",
            "never",
        )
        _gpg(gpg_home, "--armor", "--output", str(root / "mirror-key.asc"), "--export")
        listing = subprocess.run(
            ["gpg", "--homedir", home, "--batch", "--with-colons", "--list-keys"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        (root / "mirror-key.fingerprint").write_text(fingerprint + "\n")
        for rel, deb in placed.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(deb, target)
            if rel.startswith("ssm/"):
                _gpg(gpg_home, "--detach-sign", "--output", f"{target}.sig", str(target))
            else:
                _gpg(gpg_home, "--armor", "--detach-sign", "--output", f"{target}.asc", str(target))
    for directory in {(root / rel).parent for rel in placed}:
        lines = [
            f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n"
            for f in sorted(directory.iterdir())
            if f.is_file() and f.name != "SHA256SUMS"
        ]
        (directory / "SHA256SUMS").write_text("".join(lines))
    (root / SSM_VERSION_FILE).write_text(ssm_latest)
    (root / "index.json").write_text(json.dumps(sorted([*placed, SSM_VERSION_FILE]), indent=2) + "\n")
    (root / STAMP).write_text(stamp + "\n")
    return True
