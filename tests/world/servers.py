"""Background server processes of the world: started detached, found again by pid, stopped by pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks: tells a pid from a recycled one."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


# Every server carries its world's state directory in its environment: down finds it even without world.json.
OWNER_ENV = "ECSA_WORLD_STATE_DIR"


def spawn(
    module: str,
    args: list[str],
    *,
    log: Path,
    url_key: str,
    cwd: Path,
    owner: Path,
    on_start=None,
    timeout: float = 60,
) -> dict:
    """Start ``python -m module args`` detached, wait for its ``URL_KEY=url`` line; returns its record.

    ``on_start(record)`` is called as soon as the process exists, so it is recorded before anything can fail.
    """
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            env={**os.environ, OWNER_ENV: str(owner)},
            stdout=out,
            stderr=subprocess.STDOUT,
            # Outlives the CLI (and ansible's command task) that started it; down stops it.
            start_new_session=True,
        )
    record = {"pid": process.pid, "start_time": _start_time(process.pid), "log": str(log), "module": module}
    if on_start:
        on_start(record)
    deadline = time.monotonic() + timeout
    prefix = f"{url_key}="
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(prefix):
                record["url"] = line[len(prefix) :].strip()
                return record
        if process.poll() is not None:
            raise RuntimeError(f"{module} exited with {process.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    stop(record)
    raise TimeoutError(f"{module} printed no {url_key} within {timeout:.0f} s; see {log}")


def stop(record: dict, timeout: float = 10) -> None:
    """SIGTERM (then SIGKILL) the recorded process, if it is still the same process."""
    pid = record.get("pid")
    if not pid or _start_time(pid) is None or _start_time(pid) != record.get("start_time"):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            waited = 0
        if waited == pid or _start_time(pid) is None or _state(pid) == "Z":
            return
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def owned_by(owner: Path) -> list[dict]:
    """Records of the running servers started for ``owner``, found through /proc."""
    marker = f"{OWNER_ENV}={owner}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        pid = int(proc.name)
        try:
            # Only a session leader: its group holds the whole server, and children need no separate stop.
            leader = os.getsid(pid) == pid
        except ProcessLookupError:
            continue
        if marker in environ and leader:
            found.append({"pid": pid, "start_time": _start_time(pid)})
    return found
