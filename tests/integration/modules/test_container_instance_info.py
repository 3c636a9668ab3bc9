"""container_instance_info against the emulator: batched lookups, missing ids, bad input, throttling."""

import math

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import (
    assert_throttled,
    operations,
    register_container_instances,
    register_hosts,
    throttling,
    unknown_instance_ids,
)

MODULE = "onprem.ecs_anywhere.container_instance_info"


def make_cluster(emulator, name="edge"):
    emulator.client("ecs").create_cluster(clusterName=name)
    return name


def test_500_ids_in_5_list_and_5_describe_calls(emulator):
    cluster = make_cluster(emulator)
    _, hosts = register_hosts(emulator, 495, online=False)
    register_container_instances(emulator, cluster, hosts)
    asked = hosts + unknown_instance_ids(5)
    emulator.clear_calls()

    result = run_module(MODULE, {"cluster": cluster, "instance_ids": asked}, emulator.env(), check=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert sorted(c["ec2_instance_id"] for c in result["container_instances"]) == sorted(hosts)
    assert sorted(result["missing"]) == sorted(unknown_instance_ids(5))
    calls = emulator.calls()
    listing = operations(calls).count("ListContainerInstances")
    describing = operations(calls).count("DescribeContainerInstances")
    assert describing <= math.ceil(500 / 100)
    assert listing + describing == len(calls)
    print(
        f"container_instance_info, 500 ids: {listing} ListContainerInstances + {describing} DescribeContainerInstances"
    )
    assert emulator.writes() == []


def test_ids_and_arns_other_clusters_and_status(emulator):
    cluster = make_cluster(emulator)
    make_cluster(emulator, "other")
    _, hosts = register_hosts(emulator, 4)
    arns = register_container_instances(emulator, cluster, hosts[:3])
    register_container_instances(emulator, "other", hosts[3:])
    emulator.client("ecs").update_container_instances_state(
        cluster=cluster, containerInstances=[arns[1]], status="DRAINING"
    )

    result = run_module(
        MODULE, {"cluster": cluster, "instance_ids": [hosts[0], hosts[3]], "container_instance_arns": [arns[1]]},
        emulator.env(),
    )  # fmt: skip
    by_id = {c["ec2_instance_id"]: c for c in result["container_instances"]}
    assert set(by_id) == {hosts[0], hosts[1]}
    assert by_id[hosts[0]]["status"] == "ACTIVE" and by_id[hosts[1]]["status"] == "DRAINING"
    assert by_id[hosts[0]]["arn"] == arns[0]
    assert by_id[hosts[0]]["agent_version"] == "1.90.0"
    assert result["missing"] == [hosts[3]]

    draining = run_module(MODULE, {"cluster": cluster, "status": ["DRAINING"]}, emulator.env())
    assert [c["arn"] for c in draining["container_instances"]] == [arns[1]]


def test_bad_input_fails_naming_the_option(emulator):
    cluster = make_cluster(emulator)
    _, [host] = register_hosts(emulator, 1)
    [arn] = register_container_instances(emulator, cluster, [host])
    emulator.clear_calls()

    arn_as_id = run_module(MODULE, {"cluster": cluster, "instance_ids": [arn]}, emulator.env())
    assert arn_as_id["failed"] and arn_as_id["msg"].startswith("instance_ids:")
    wrong_cluster = run_module(MODULE, {"cluster": "prod", "container_instance_arns": [arn]}, emulator.env())
    assert wrong_cluster["failed"] and "belongs to cluster 'edge'" in wrong_cluster["msg"]
    assert emulator.calls() == []

    unknown = run_module(MODULE, {"cluster": "nowhere", "instance_ids": [host]}, emulator.env())
    assert unknown["failed"] and unknown["msg"].startswith("cluster: ECS has no cluster 'nowhere'")
    assert emulator.writes() == []


def test_correct_under_throttling_of_every_operation(emulator):
    cluster = make_cluster(emulator)
    _, hosts = register_hosts(emulator, 150, online=False)
    register_container_instances(emulator, cluster, hosts)
    emulator.clear_calls()
    emulator.set_faults(throttling("ecs:ListContainerInstances", "ecs:DescribeContainerInstances"))

    result = run_module(MODULE, {"cluster": cluster, "instance_ids": hosts}, emulator.env())

    assert not result.get("failed"), result.get("msg")
    assert sorted(c["ec2_instance_id"] for c in result["container_instances"]) == sorted(hosts)
    assert result["missing"] == []
    assert_throttled(emulator, "ecs:ListContainerInstances", "ecs:DescribeContainerInstances")
