import shlex
import subprocess
import uuid

import pytest
import yaml

from tests.emulator.client import Emulator
from tests.integration.agents.conftest import activation, host  # noqa: F401  (fixtures shared with the agents' tests)
from tests.world import ssh, world


@pytest.fixture(scope="module")
def world_host(tmp_path_factory):
    """One bookworm test host of the test world (systemd in podman), with the world's emulator and package mirror.

    Yields {"name", "inventory" (path), "vars" (the world's variables), "emulator" (an Emulator), "run"}:
    ``run(*argv)`` runs a command on the host over the world's SSH and returns its stdout.
    """
    state_dir = tmp_path_factory.mktemp("world")
    name = f"ecsa-badinput-{uuid.uuid4().hex[:6]}"
    try:
        record = world.up(state_dir, [{"name": name, "suite": "bookworm"}], log=lambda _: None)
        address = record["hosts"][0]["address"]
        inventory = state_dir / "inventory.yml"

        def run(*argv: str) -> str:
            return subprocess.run(
                ssh.command(state_dir, address, shlex.join(argv)),
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            ).stdout

        yield {
            "name": name,
            "inventory": inventory,
            "vars": yaml.safe_load(inventory.read_text())["all"]["vars"],
            "emulator": Emulator(record["servers"]["emulator"]["url"]),
            "run": run,
        }
    finally:
        world.down(state_dir, log=lambda _: None)
