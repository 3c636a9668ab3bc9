"""Exclusive file locks, so concurrent worlds never build the same thing at once."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

# Machine-wide, not per checkout: podman's image store is shared by every checkout on the machine.
MACHINE_LOCKS = Path("/var/tmp/ecsa-world-locks")


@contextmanager
def locked(path: Path):
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
