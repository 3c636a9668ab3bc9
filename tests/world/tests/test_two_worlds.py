"""Two worlds side by side: separate networks and subnets, and taking one down leaves the other working."""

import ipaddress
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.world import hosts, images, ssh

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tests.world", *args], check=False, cwd=REPO, capture_output=True, text=True
    )


def _on_host(world, script, timeout=120):
    """Run a shell script on the world's one host (ssh hands it to the remote shell as it is)."""
    (host,) = world["hosts"]
    return subprocess.run(
        ssh.command(Path(world["state_dir"]), host["address"], script),
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_down_of_one_world_leaves_the_other_untouched(tmp_path, agent_debs):
    states = [tmp_path / "a", tmp_path / "b"]
    suffix = tmp_path.name[-6:]

    def up(state):
        return _cli(
            "up",
            "--state-dir",
            str(state),
            "--hosts",
            f"ecsa-{state.name}{suffix}=bookworm",
            "--no-emulator",
            "--agents-dir",
            str(agent_debs[0].parent),
        )

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(up, states))
        for result in results:
            assert result.returncode == 0, result.stderr
        first, second = (json.loads(result.stdout) for result in results)
        assert first["network"] != second["network"]
        assert not ipaddress.ip_network(first["subnet"]).overlaps(ipaddress.ip_network(second["subnet"]))
        # Through the world's gateway to its own package mirror, and out through NAT and DNS to Debian's.
        fetch = " && ".join(
            f"curl --silent --fail --max-time 20 --output /dev/null {url}"
            for url in (
                second["servers"]["mirror"]["host_url"] + "/mirror-key.asc",
                images.debian_mirror() + "/dists/bookworm/InRelease",
            )
        )
        # The second world keeps downloading while the first goes away.
        with ThreadPoolExecutor(max_workers=1) as pool:
            during = pool.submit(_on_host, second, f"for i in 1 2 3 4 5 6 7 8; do {fetch} || exit 1; sleep 1; done")
            down = _cli("down", "--state-dir", str(states[0]))
            during = during.result()
        assert down.returncode == 0, down.stderr
        assert during.returncode == 0, during.stderr
        assert hosts.labelled(states[0].resolve()) == []
        assert hosts.labelled(states[1].resolve()) == [second["hosts"][0]["name"]]

        after = _on_host(second, fetch)
        assert after.returncode == 0, after.stderr
        networks = subprocess.run(
            ["podman", "network", "ls", "--format", "{{.Name}}"], check=True, capture_output=True, text=True
        ).stdout.split()
        assert second["network"] in networks
        assert first["network"] not in networks
    finally:
        for state in states:
            _cli("down", "--state-dir", str(state))
