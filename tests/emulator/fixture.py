"""pytest fixtures: `emulator_server` (one process per session) and `emulator` (reset before each test)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.emulator.client import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30


def start_emulator_process(*extra_args: str) -> tuple[subprocess.Popen, str]:
    """Start `python -m tests.emulator` on a free loopback port; return the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--host", "127.0.0.1", "--port", "0", "--quiet", *extra_args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    first_line = process.stdout.readline().strip()
    if not first_line.startswith("EMULATOR_URL="):
        process.kill()
        raise RuntimeError(f"emulator did not start; first line: {first_line!r}")
    url = first_line.split("=", 1)[1]
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_emulator/health", timeout=2):
                return process, url
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)


def stop_emulator_process(process: subprocess.Popen) -> int:
    process.terminate()
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@pytest.fixture(scope="session")
def emulator_server():
    process, url = start_emulator_process()
    yield Emulator(url)
    stop_emulator_process(process)


@pytest.fixture
def emulator(emulator_server):
    emulator_server.reset()
    return emulator_server
