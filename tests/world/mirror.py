"""The package mirror's tree: stand-in agent packages under AWS's bucket paths, SHA256SUMS, GPG signatures.

Layout (region-neutral; mirror_server maps every region's bucket name onto it):
  ssm/latest/debian_<arch>/amazon-ssm-agent.deb (+ .sig, binary detached signature, as AWS publishes it)
  ecs/amazon-ecs-init-latest.<arch>.deb and amazon-ecs-init-<version>.<arch>.deb (+ .asc, armored)
  each directory: SHA256SUMS (``<sha256>  <file name>``, what get_url's checksum URL form reads)
  mirror-key.asc: the test signing key's public half; mirror-key.fingerprint
"""

from __future__ import annotations

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


def _placements(debs: list[Path]) -> dict[str, Path]:
    """Mirror-relative path -> source .deb, for every architecture a package serves."""
    placed: dict[str, Path] = {}
    for deb in debs:
        match = DEB_NAME.match(deb.name)
        if not match:
            continue
        arches = ARCHES if match["arch"] == "all" else (match["arch"],)
        for arch in arches:
            if match["package"] == "amazon-ssm-agent":
                placed[f"ssm/latest/debian_{arch}/amazon-ssm-agent.deb"] = deb
            else:
                placed[f"ecs/amazon-ecs-init-latest.{arch}.deb"] = deb
                placed[f"ecs/amazon-ecs-init-{match['version']}.{arch}.deb"] = deb
    missing = {"amazon-ssm-agent", "amazon-ecs-init"} - {
        DEB_NAME.match(d.name)["package"] for d in debs if DEB_NAME.match(d.name)
    }
    if missing:
        raise FileNotFoundError(f"no stand-in package for {', '.join(sorted(missing))} among {[d.name for d in debs]}")
    return placed


def _gpg(home: Path, *args: str) -> None:
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--quiet", *args], check=True, capture_output=True)


def build(debs: list[Path], root: Path, log=print) -> bool:
    """Write the mirror tree under ``root``; returns False when it is already there for these packages."""
    digest = packages_digest(debs)
    if (root / STAMP).exists() and (root / STAMP).read_text().strip() == digest:
        return False
    log(f"world: building the package mirror in {root}")
    placed = _placements(debs)
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
    (root / "index.json").write_text(json.dumps(sorted(placed), indent=2) + "\n")
    (root / STAMP).write_text(digest + "\n")
    return True
