"""How Ansible reaches the hosts: SSH as root with a per-world key, pipelining and a persistent master.

The podman connection plugin costs 4-5 ``podman exec``/``cp`` calls per task (about 0.6 s each here);
pipelined SSH over a persistent master costs one session of a few milliseconds.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from pathlib import Path

KEY_NAME = "id_ed25519"
# Long enough to carry a scenario from converge over idempotence to verify; down closes them at once.
CONTROL_PERSIST = "300s"


def key_file(state_dir: Path) -> Path:
    return state_dir / "ssh" / KEY_NAME


def make_key(state_dir: Path) -> str:
    """A fresh key pair for this world (no passphrase); returns the public key."""
    key = key_file(state_dir)
    key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in (key, key.with_suffix(".pub")):
        stale.unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"ecsa-world {state_dir}", "-f", str(key)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return key.with_suffix(".pub").read_text()


def control_dir(state_dir: Path) -> Path:
    """Master sockets live in a short path: a socket path over about 100 bytes is refused, state dirs can be long."""
    return Path("/tmp") / ("ecsa-ssh-" + hashlib.sha256(str(state_dir).encode()).hexdigest()[:10])


def _options(state_dir: Path) -> list[str]:
    return [
        "StrictHostKeyChecking=no",
        f"UserKnownHostsFile={state_dir / 'ssh' / 'known_hosts'}",
        "ControlMaster=auto",
        f"ControlPersist={CONTROL_PERSIST}",
        f"ControlPath={control_dir(state_dir)}/%C",
    ]


def common_args(state_dir: Path) -> str:
    """``ansible_ssh_common_args`` of the world's hosts."""
    return " ".join(f"-o {option}" for option in _options(state_dir))


def command(state_dir: Path, address: str, *remote: str) -> list[str]:
    """``ssh`` with the options Ansible uses, so the world's own checks open the master Ansible then reuses."""
    control_dir(state_dir).mkdir(mode=0o700, exist_ok=True)
    options = ["BatchMode=yes", "ConnectTimeout=5", *_options(state_dir)]
    return [
        "ssh",
        "-i",
        str(key_file(state_dir)),
        *(arg for o in options for arg in ("-o", o)),
        f"root@{address}",
        *remote,
    ]


def wait_ready(state_dir: Path, address: str, timeout: float = 60) -> None:
    """Wait until sshd answers with this world's key (sshd starts with systemd, shortly after boot)."""
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(
            command(state_dir, address, "true"), check=False, capture_output=True, text=True, timeout=30
        )
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no SSH login to root@{address} in {timeout:.0f} s: {result.stderr.strip()}")
        time.sleep(0.5)


def close_masters(state_dir: Path) -> None:
    """Stop this world's persistent masters and forget its key; never another world's."""
    directory = control_dir(state_dir)
    for socket in directory.glob("*") if directory.is_dir() else ():
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "ecsa-world-host"],
            check=False,
            capture_output=True,
            timeout=10,
        )
    shutil.rmtree(directory, ignore_errors=True)
    shutil.rmtree(state_dir / "ssh", ignore_errors=True)
