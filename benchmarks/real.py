"""Real hosts of the test world (tests/world): site.yml on fresh hosts, site.yml again, deregister.yml,
each measured against the world's emulator, the way a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.measure import REPO, Run, collection_playbook, run_playbook
from tests.emulator.client import Emulator

GROUP_VARS = REPO / "extensions" / "molecule" / "shared" / "group_vars"


def world(command: str, state_dir: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tests.world", command, "--state-dir", str(state_dir), *args],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def own_world(name: str, hosts: list[str], work_dir: Path) -> Iterator[tuple[Path, Emulator]]:
    """A world of its own (WORK_DIR/NAME) with these bookworm hosts: the inventory `up` writes plus the
    shared group_vars, and the world's emulator; taken down afterwards, also on failure."""
    state_dir = work_dir / name
    if state_dir.exists():
        world("down", state_dir)
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True)
    try:
        world("up", state_dir, "--hosts", ",".join(f"{host}=bookworm" for host in hosts), "--name-prefix", "ecsa-bench")
        inventory = state_dir / "inventory"
        inventory.mkdir()
        shutil.copy(state_dir / "inventory.yml", inventory / "hosts.yml")
        (inventory / "group_vars").symlink_to(GROUP_VARS)
        yield inventory, Emulator(json.loads((state_dir / "world.json").read_text())["servers"]["emulator"]["url"])
    finally:
        world("down", state_dir)


def run_size(count: int, work_dir: Path, log_dir: Path) -> dict[str, Run]:
    """first registration, re-run and deregistration of COUNT bookworm hosts in a world of their own."""
    hosts = [f"bench{count}-{index}" for index in range(1, count + 1)]
    with own_world(f"world-{count}", hosts, work_dir) as (inventory, emulator):
        runs = {}
        for label, playbook in (
            ("first registration", "playbooks/site.yml"),
            ("re-run", "playbooks/site.yml"),
            ("deregistration", "playbooks/deregister.yml"),
        ):
            runs[label] = run_playbook(
                f"real-{count}-{label.replace(' ', '-')}",
                ["-i", str(inventory), collection_playbook(playbook)],
                emulator,
                log_dir,
            )
        return runs
