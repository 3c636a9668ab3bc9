"""Thin wrapper around the podman CLI, with the runtime that works on these machines."""

from __future__ import annotations

import subprocess

# crun fails here (rlimits, hybrid cgroups); runc works.
RUNTIME = "runc"


def podman(
    *args: str,
    check: bool = True,
    capture: bool = False,
    stdin=None,
    stdin_text: str | None = None,
    timeout: float | None = None,
) -> str:
    result = subprocess.run(
        ["podman", "--runtime", RUNTIME, *args],
        check=False,
        stdin=stdin,
        input=stdin_text,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout if capture else ""


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], check=False).returncode == 0
