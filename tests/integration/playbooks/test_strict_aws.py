"""The role's batch path under the emulator's strict reading of AWS (tests/emulator/switches.py):
DescribeInstanceInformation's Name is only the activation's default name, an unknown id fails a
whole InstanceIds call, filters longer than 2,000 characters are refused, reads lag writes, pages
come short. The hosts are the benchmark's simulated fleet (benchmarks/fleet.py), run through the
role's own task files (benchmarks/fleet.yml), as many as make two lookup chunks."""

from __future__ import annotations

from math import ceil

import pytest

from benchmarks import fleet
from benchmarks.measure import run_playbook
from tests.emulator.switches import STRICT

HOSTS = 60
PLAYBOOK = "benchmarks/fleet.yml"


def _fleet_run(emulator, tmp_path, scenario, **switches):
    emulator.set_ping_timeout(24 * 3600)  # registered hosts stay Online however long the run takes
    empty = fleet.write_inventory(tmp_path / "empty.json", emulator.url, {})
    run_playbook("control-plane", ["-i", str(empty), PLAYBOOK], emulator, tmp_path / "logs")
    inventory = fleet.prepare(emulator, scenario, HOSTS, tmp_path / "inventory.json")
    emulator.set_config(**switches)
    return run_playbook(f"{scenario}-strict", ["-i", str(inventory), PLAYBOOK], emulator, tmp_path / "logs")


@pytest.mark.slow
def test_a_rerun_under_strict_aws_writes_nothing_within_the_read_budget(emulator, tmp_path):
    # Short pages aside: they add reads that are AWS's doing, not the role's (the next test has them).
    run = _fleet_run(emulator, tmp_path, "all registered", **dict(STRICT, short_pages=0.0))
    assert emulator.config()["instance_name"] == "default"
    assert (run.changed_tasks, run.failed_hosts, run.calls.write_count) == (0, 0, 0), run.calls.by_operation()
    assert run.calls.read_count <= 3 + 2 * ceil(HOSTS / 50), run.calls.by_operation()
    # Named instances are found by their marker, not by reading each one's tags.
    assert run.calls.reads.get("ListTagsForResource", 0) == 0, run.calls.by_operation()


@pytest.mark.slow
def test_stale_hosts_register_again_under_strict_aws(emulator, tmp_path):
    run = _fleet_run(emulator, tmp_path, "10% stale", **STRICT)
    stale = len(fleet.stale_hosts(fleet.host_names(HOSTS)))
    assert run.failed_hosts == 0
    # The stale ids refused by SSM's lookup were reported missing, and those hosts registered anew.
    assert run.calls.writes.get("CreateActivation") == 1
    assert run.calls.writes.get("DeregisterContainerInstance") == stale
    managed = emulator.state()["managed_instances"]
    assert len(managed) == HOSTS
    assert sorted(next(t["Value"] for t in item["Tags"] if t["Key"] == "Name") for item in managed) == sorted(
        fleet.host_names(HOSTS)
    )
