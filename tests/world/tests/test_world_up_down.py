"""A real world (one host, the mirror) comes up reachable and goes away without a trace."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.world import hosts, ssh, world

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tests.world", *args], check=False, cwd=REPO, capture_output=True, text=True
    )


def _networks():
    return set(
        subprocess.run(
            ["podman", "network", "ls", "--format", "{{.Name}}"], check=True, capture_output=True, text=True
        ).stdout.split()
    )


def _ansible_ping(inventory):
    """A real Ansible module run through the world's inventory (SSH, pipelining, the world's key)."""
    bin_dir = Path(sys.executable).parent
    return subprocess.run(
        [str(bin_dir / "ansible"), "-i", str(inventory), "ecs_anywhere", "-m", "ansible.builtin.ping"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "ANSIBLE_HOST_KEY_CHECKING": "True"},
    )


def _running(pid):
    return Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"


def test_up_then_down_leaves_nothing_behind(tmp_path, agent_debs):
    state = tmp_path / "world"
    agents = agent_debs[0].parent
    up = _cli(
        "up",
        "--state-dir",
        str(state),
        "--hosts",
        "bookworm",
        "--name-prefix",
        f"ecsa-t{tmp_path.name[-6:]}",
        "--no-emulator",
        "--agents-dir",
        str(agents),
    )
    try:
        assert up.returncode == 0, up.stderr
        recorded = json.loads(up.stdout)
        (host,) = recorded["hosts"]
        assert host["systemd"] in ("running", "degraded")
        assert hosts.labelled(state.resolve()) == [host["name"]]
        mirror = recorded["servers"]["mirror"]
        assert mirror["url"].startswith("http://127.0.0.1:")
        with urllib.request.urlopen(mirror["url"] + "/mirror-key.asc") as answer:
            assert b"PGP PUBLIC KEY" in answer.read()
        # The host fetches from the gateway address, never from the controller's loopback.
        assert hosts.can_reach(
            host["name"], mirror["host_url"] + "/amazon-ssm-us-east-1/latest/debian_amd64/SHA256SUMS"
        )
        # The world's own network, its gateway the servers' address for the hosts.
        assert recorded["network"] in _networks()
        assert mirror["host_url"].startswith(f"http://{recorded['gateway']}:")
        inventory = yaml.safe_load((state / "inventory.yml").read_text())
        host_vars = inventory["all"]["children"]["ecs_anywhere"]["hosts"][host["name"]]
        assert host_vars["ansible_connection"] == "ssh"
        assert host_vars["ansible_host"] == host["address"]
        assert host_vars["ansible_pipelining"] is True
        assert inventory["all"]["vars"]["ecsa_world_mirror_url_for_hosts"] == mirror["host_url"]
        ping = _ansible_ping(state / "inventory.yml")
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert '"ping": "pong"' in ping.stdout
    finally:
        down = _cli("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert hosts.labelled(state.resolve()) == []
    assert recorded["network"] not in _networks()
    assert not ssh.control_dir(state.resolve()).exists()
    assert not ssh.key_file(state.resolve()).exists()
    assert not _running(mirror["pid"])
    assert world.load(state) == {}
    again = _cli("down", "--state-dir", str(state))
    assert again.returncode == 0, again.stderr


def test_down_of_a_world_never_started_is_harmless(tmp_path):
    result = _cli("down", "--state-dir", str(tmp_path / "nothing"))
    assert result.returncode == 0, result.stderr


def test_down_stops_the_servers_even_when_world_json_is_lost(tmp_path, agent_debs):
    state = tmp_path / "world"
    up = _cli(
        "up",
        "--state-dir",
        str(state),
        "--hosts",
        f"ecsa-lost{tmp_path.name[-6:]}=trixie",
        "--no-emulator",
        "--agents-dir",
        str(agent_debs[0].parent),
        "--connection",
        "podman",
    )
    try:
        assert up.returncode == 0, up.stderr
        assert "containers.podman.podman" in (state / "inventory.yml").read_text()
        mirror_pid = json.loads(up.stdout)["servers"]["mirror"]["pid"]
        (state / "world.json").unlink()
    finally:
        down = _cli("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert not _running(mirror_pid)
    assert hosts.labelled(state.resolve()) == []
