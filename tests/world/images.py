"""Debian host images built with debootstrap, imported into podman, cached by recipe hash."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.world.locks import MACHINE_LOCKS, locked
from tests.world.podman import image_exists, podman

SUITES = ("bookworm", "trixie")
IMAGE_REPOSITORY = "localhost/ecsa-world-host"

# What a plain on-prem Debian host already has (Ansible reaches it over SSH); Docker and the agents are left to the roles.
INCLUDE = (
    "python3",
    "systemd",
    "systemd-sysv",
    "dbus",
    "ca-certificates",
    "gnupg",
    "curl",
    "iproute2",
    "procps",
    "openssh-server",
)

# Files written into the rootfs after debootstrap: part of the recipe, so editing them rebuilds.
ROOTFS_FILES = {
    # The apt command keeps downloaded .debs too, as apt-get does. Worlds share Debian's files through
    # their apt cache (apt_cache.py), not through this directory.
    "etc/apt/apt.conf.d/10ecsa-world-keep-debs": 'Binary::apt::APT::Keep-Downloaded-Packages "true";\n',
    # Quiet, non-interactive apt in containers without a terminal.
    "etc/apt/apt.conf.d/10ecsa-world-no-recommends": 'APT::Install-Recommends "false";\n',
    # Empty machine-id: systemd makes a fresh one per container, so hosts differ.
    "etc/machine-id": "",
    # Root by key only (the world installs its own key at up); no reverse DNS lookups on login.
    "etc/ssh/sshd_config.d/10ecsa-world.conf": (
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\nMaxSessions 64\n"
    ),
}
# Units that only fail or wait in a container.
MASKED_UNITS = (
    "systemd-modules-load.service",
    "systemd-resolved.service",
    "getty@tty1.service",
    "console-getty.service",
    "systemd-firstboot.service",
)


def debian_mirror(sources_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror apt on this machine uses (deb822 .sources first, then sources.list)."""
    texts = [p.read_text() for p in sorted((sources_dir / "sources.list.d").glob("*.sources"))]
    for text in texts:
        for stanza in text.split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if uris and suites and not any(s.endswith("-security") for s in suites.group(1).split()):
                return uris.group(1).rstrip("/")
    for path in [sources_dir / "sources.list", *sorted((sources_dir / "sources.list.d").glob("*.list"))]:
        if path.exists():
            for line in path.read_text().splitlines():
                match = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", line)
                if match and not match.group(2).endswith("-security"):
                    return match.group(1).rstrip("/")
    return "http://deb.debian.org/debian"


def recipe(suite: str) -> dict:
    return {
        "suite": suite,
        "variant": "minbase",
        "include": list(INCLUDE),
        "files": ROOTFS_FILES,
        "masked": list(MASKED_UNITS),
        "format": 1,
    }


def image_name(suite: str) -> str:
    digest = hashlib.sha256(json.dumps(recipe(suite), sort_keys=True).encode()).hexdigest()[:12]
    return f"{IMAGE_REPOSITORY}:{suite}-{digest}"


def _customise(rootfs: Path, mirror: str, suite: str) -> None:
    for rel, content in ROOTFS_FILES.items():
        target = rootfs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    for unit in MASKED_UNITS:
        link = rootfs / "etc/systemd/system" / unit
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    (rootfs / "etc/apt/sources.list").write_text(f"deb {mirror} {suite} main\n")
    # Leave no downloaded lists or debs from the build in the image.
    for sub in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (rootfs / sub).glob("*"):
            if entry.is_file():
                entry.unlink()


def build(suite: str, mirror: str | None = None, *, force: bool = False, log=print) -> tuple[str, bool, float]:
    """Ensure the image for ``suite``; returns (name, built, seconds)."""
    if suite not in SUITES:
        raise ValueError(f"suite {suite!r} is not one of {', '.join(SUITES)}")
    name = image_name(suite)
    started = time.monotonic()
    # One builder per tag on the whole machine; a waiter then finds the image built.
    with locked(MACHINE_LOCKS / f"image-{name.rsplit(':', 1)[1]}.lock"):
        if not force and image_exists(name):
            return name, False, time.monotonic() - started
        _build(suite, name, mirror or debian_mirror(), log=log)
    return name, True, time.monotonic() - started


def _build(suite: str, name: str, mirror: str, *, log=print) -> None:
    log(f"world: building {name} with debootstrap from {mirror}")
    scratch = Path(tempfile.mkdtemp(prefix=f"ecsa-world-{suite}-", dir="/var/tmp"))
    rootfs = scratch / "rootfs"
    try:
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(INCLUDE)}",
                suite,
                str(rootfs),
                mirror,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _customise(rootfs, mirror, suite)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        podman(
            "import",
            "--change",
            "CMD=/sbin/init",
            "--change",
            "STOPSIGNAL=SIGRTMIN+3",
            "-",
            name,
            stdin=tar.stdout,
        )
        if tar.wait() != 0:
            raise RuntimeError(f"tar of {rootfs} failed")
    finally:
        _unmount_below(rootfs)
        shutil.rmtree(scratch, ignore_errors=True)


def _unmount_below(rootfs: Path) -> None:
    """A debootstrap that died leaves /proc and /sys mounted in the rootfs: never delete through them."""
    prefix = f"{rootfs}/"
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "--lazy", mount], check=False)


def prune_stale(log=print) -> None:
    """Remove images of this repository whose recipe no longer matches."""
    current = {image_name(s) for s in SUITES}
    out = podman("images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_REPOSITORY, capture=True)
    for name in out.split():
        if name not in current:
            log(f"world: removing stale image {name}")
            podman("rmi", name, check=False)
