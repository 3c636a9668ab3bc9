"""The role's batch path under the emulator's strict reading of AWS (tests/emulator/switches.py):
DescribeInstanceInformation's Name is only the activation's default name, an unknown id fails a
whole InstanceIds call, filters longer than 2,000 characters are refused, reads lag writes, pages
come short. The hosts are the benchmark's simulated fleet (benchmarks/fleet.py), run through the
role's own task files (benchmarks/fleet.yml), as many as make two lookup chunks; one fleet is
spread over clusters in two regions, as `make bench`'s many-cluster case is at N=1000."""

from __future__ import annotations

from math import ceil

import pytest

from benchmarks import budgets, fleet
from benchmarks.measure import run_playbook
from tests.emulator.switches import STRICT

HOSTS = 60
PLAYBOOK = "benchmarks/fleet.yml"
# 40 hosts in two clusters of us-east-1, 20 in one of eu-west-1.
THREE_CLUSTERS = fleet.spread("3 clusters in 2 regions", {"us-east-1": 2, "eu-west-1": 1}, prefix="edge")


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


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_one_run_registers_each_host_in_its_own_region_and_cluster_and_a_rerun_writes_nothing(emulator, tmp_path):
    layout = THREE_CLUSTERS
    names = fleet.host_names(HOSTS)
    wanted = layout.sites_of(names)
    emulator.set_ping_timeout(24 * 3600)
    emulator.set_config(**dict(STRICT, short_pages=0.0))
    # First run: nothing exists, not even the clusters; the control plane play makes all three.
    inventory = fleet.prepare(emulator, "all new", HOSTS, tmp_path / "new.json", layout)
    first = run_playbook("regions-first", ["-i", str(inventory), PLAYBOOK], emulator, tmp_path / "logs")
    assert first.failed_hosts == 0
    assert first.calls.writes["CreateCluster"] == 3, first.calls.by_operation()
    # One activation per region, each made and deleted in its region.
    for region in ("us-east-1", "eu-west-1"):
        assert first.calls.regions[region]["CreateActivation"] == 1, first.calls.regions
        assert first.calls.regions[region]["DeleteActivation"] == 1, first.calls.regions
    assert emulator.state()["activations"] == []

    held = fleet.as_registered(emulator, names)
    assert {name: (host["region"], host["cluster"]) for name, host in held.items()} == wanted
    assert all(host["instance_id"] and host["container_instance_arn"] for host in held.values())
    state = emulator.state()
    assert len(state["managed_instances"]) == HOSTS
    assert sum(len(items) for items in state["container_instances"].values()) == HOSTS

    # Re-run: each host holds what it registered (its key file and ECS config say so).
    again = fleet.write_inventory(
        tmp_path / "registered.json",
        emulator.url,
        {
            name: fleet.local_facts(
                host["instance_id"], host["container_instance_arn"], host["region"], host["cluster"]
            )
            for name, host in held.items()
        },
        layout,
    )
    rerun = run_playbook("regions-rerun", ["-i", str(again), PLAYBOOK], emulator, tmp_path / "logs")
    assert (rerun.changed_tasks, rerun.failed_hosts, rerun.calls.write_count) == (0, 0, 0), rerun.calls.by_operation()
    limit = budgets.rerun_read_limit_grouped(fleet.layout_summary(layout, HOSTS))
    # Role (2), each region's clusters in one read (2), SSM per region (2), ECS per cluster (3): the 9.
    assert (
        limit
        == 2 + 2 + (1 + 1) + (1 + 1 + 1)
        == budgets.rerun_read_limit_as_issued(fleet.layout_summary(layout, HOSTS))
    )
    assert rerun.calls.read_count <= limit, (rerun.calls.by_operation(), rerun.calls.regions)
    # Each region's hosts are looked up in their region: SSM once per region, ECS once per cluster.
    lookups = {region: counts["DescribeInstanceInformation"] for region, counts in rerun.calls.regions.items()}
    assert {region: count for region, count in lookups.items() if count} == {
        "us-east-1": 1,
        "eu-west-1": 1,
    }, rerun.calls.regions
    assert rerun.calls.regions["us-east-1"]["DescribeContainerInstances"] == 2, rerun.calls.regions
    assert rerun.calls.regions["eu-west-1"]["DescribeContainerInstances"] == 1, rerun.calls.regions
    assert emulator.state()["activations"] == []
