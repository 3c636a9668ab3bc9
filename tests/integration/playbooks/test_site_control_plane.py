"""site.yml's first play takes the region and cluster from the hosts' group, as users set them."""

from pathlib import Path

import yaml

from tests.integration.ansible_runner import REPO_ROOT, run_playbook

SITE = REPO_ROOT / "playbooks" / "site.yml"


def test_control_plane_uses_the_group_vars_of_the_hosts(emulator, tmp_path: Path):
    # Variables only on group ecs_anywhere (group_vars/ecs_anywhere.yml in most inventories).
    # The hosts refuse connections on loopback: the second play fails on them, which is fine
    # here; the control plane, delegated to the controller, must already be in place.
    unreachable = {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_connection": "ssh"}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "ecs_anywhere": {
                    "hosts": {"edge-01": unreachable, "edge-02": unreachable},
                    "vars": {"ecs_anywhere_region": "eu-west-1", "ecs_anywhere_cluster": "edge-group"},
                }
            }
        )
    )

    run = run_playbook(SITE, emulator.env(region="us-east-1"), inventory=inventory)

    clusters = emulator.client("ecs", region="eu-west-1").describe_clusters(clusters=["edge-group"])["clusters"]
    assert [c["status"] for c in clusters] == ["ACTIVE"], run.stderr
    assert emulator.client("ecs", region="us-east-1").list_clusters()["clusterArns"] == []
    assert emulator.client("iam").get_role(RoleName="ecsAnywhereRole")["Role"]["RoleName"] == "ecsAnywhereRole"
    # Once for the batch, not once per host.
    assert len(emulator.writes(operation="CreateCluster")) == 1
    assert len(emulator.writes(operation="CreateRole")) == 1
    # Only the hosts' own play failed, on connecting.
    assert run.returncode != 0
    assert all(run.stats[host]["unreachable"] == 1 for host in ("edge-01", "edge-02")), run.stats
