"""container_instance with `instances` against the emulator: one run for many hosts, batched calls."""

import math
import threading
import time

import pytest

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import (
    assert_throttled,
    register_container_instances,
    register_hosts,
    throttling,
    unknown_instance_ids,
)

MODULE = "onprem.ecs_anywhere.container_instance"


def hosts_in_cluster(emulator, count, cluster="edge"):
    """``count`` hosts registered with ``cluster``: their mi- ids and container instance ARNs."""
    emulator.client("ecs").create_cluster(clusterName=cluster)
    _, hosts = register_hosts(emulator, count)
    arns = register_container_instances(emulator, cluster, hosts)
    emulator.clear_calls()
    return hosts, arns


def mixed_references(hosts, arns):
    """Even positions by mi- id, odd positions by ARN."""
    return [host if index % 2 == 0 else arn for index, (host, arn) in enumerate(zip(hosts, arns, strict=True))]


def statuses(emulator, arns, cluster="edge"):
    response = emulator.client("ecs").describe_container_instances(cluster=cluster, containerInstances=arns)
    by_arn = {item["containerInstanceArn"]: item["status"] for item in response["containerInstances"]}
    return [by_arn[arn] for arn in arns]


def count(emulator, operation):
    return len(emulator.calls(service="ecs", operation=operation))


@pytest.mark.parametrize("size", [3, 12])
def test_absent_over_many_makes_batched_calls(emulator, size):
    hosts, arns = hosts_in_cluster(emulator, size)
    references = mixed_references(hosts, arns)

    result = run_module(
        MODULE, {"cluster": "edge", "instances": references, "state": "absent", "drain_timeout": 30}, emulator.env()
    )

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert [entry["instance"] for entry in result["container_instances"]] == references
    assert all(entry["changed"] for entry in result["container_instances"])
    assert [entry["container_instance"]["arn"] for entry in result["container_instances"]] == arns
    assert [entry["container_instance"]["ec2_instance_id"] for entry in result["container_instances"]] == hosts
    assert "container_instance" not in result
    # One lookup (the mi- ids listed once, everything described once), 10 state updates a call.
    assert count(emulator, "ListContainerInstances") == 1
    assert count(emulator, "DescribeContainerInstances") == 1
    assert count(emulator, "UpdateContainerInstancesState") == math.ceil(size / 10)
    assert count(emulator, "DeregisterContainerInstance") == size
    assert len(emulator.writes()) == math.ceil(size / 10) + size
    assert statuses(emulator, arns) == ["INACTIVE"] * size

    emulator.clear_calls()
    again = run_module(MODULE, {"cluster": "edge", "instances": references, "state": "absent"}, emulator.env())
    assert again["changed"] is False
    assert [entry["container_instance"] for entry in again["container_instances"]] == [{}] * size
    assert emulator.writes() == []


def test_draining_with_check_mode_diff_and_idempotence(emulator):
    hosts, arns = hosts_in_cluster(emulator, 12)
    ecs = emulator.client("ecs")
    ecs.update_container_instances_state(cluster="edge", containerInstances=arns[:2], status="DRAINING")
    emulator.clear_calls()
    references = mixed_references(hosts, arns)
    args = {"cluster": "edge", "instances": references, "state": "draining"}

    predicted = run_module(MODULE, args, emulator.env(), check=True, diff=True)
    assert predicted["changed"] is True
    assert [entry["changed"] for entry in predicted["container_instances"]] == [False] * 2 + [True] * 10
    assert [e["container_instance"]["status"] for e in predicted["container_instances"]] == ["DRAINING"] * 12
    assert predicted["diff"]["before"] == {
        reference: {"status": "DRAINING" if index < 2 else "ACTIVE"} for index, reference in enumerate(references)
    }
    assert predicted["diff"]["after"] == {reference: {"status": "DRAINING"} for reference in references}
    assert emulator.writes() == []
    assert statuses(emulator, arns) == ["DRAINING"] * 2 + ["ACTIVE"] * 10

    emulator.clear_calls()
    applied = run_module(MODULE, args, emulator.env())
    assert applied["changed"] is True
    assert [entry["changed"] for entry in applied["container_instances"]] == [False] * 2 + [True] * 10
    assert statuses(emulator, arns) == ["DRAINING"] * 12
    # The 10 to change fit in one call; the 2 already DRAINING are not sent.
    assert [c["operation"] for c in emulator.writes()] == ["UpdateContainerInstancesState"]

    emulator.clear_calls()
    again = run_module(MODULE, args, emulator.env())
    assert again["changed"] is False
    assert emulator.writes() == []

    back = run_module(MODULE, {"cluster": "edge", "instances": arns, "state": "active"}, emulator.env())
    assert back["changed"] is True
    assert [e["container_instance"]["status"] for e in back["container_instances"]] == ["ACTIVE"] * 12
    assert statuses(emulator, arns) == ["ACTIVE"] * 12


def test_one_shared_drain_timeout_deregisters_the_drained_and_names_the_rest(emulator):
    hosts, arns = hosts_in_cluster(emulator, 4)
    emulator.set_running_tasks("edge", arns[0], 2)
    emulator.set_running_tasks("edge", arns[1], 1)
    emulator.set_running_tasks("edge", arns[2], 3)
    stopper = threading.Timer(1.5, emulator.set_running_tasks, args=("edge", arns[0], 0))
    stopper.start()
    args = {"cluster": "edge", "instances": hosts, "state": "absent", "drain_timeout": 4}
    started = time.monotonic()
    try:
        timed_out = run_module(MODULE, args, emulator.env())
    finally:
        stopper.cancel()
    elapsed = time.monotonic() - started

    assert timed_out["failed"]
    assert timed_out["changed"] is True
    message = timed_out["msg"]
    assert message.startswith("drain_timeout: tasks still running after 4 seconds on ")
    assert f"{hosts[1]} ({arns[1]}) (1 task(s))" in message
    assert f"{hosts[2]} ({arns[2]}) (3 task(s))" in message
    assert hosts[0] not in message and hosts[3] not in message
    assert [entry["instance"] for entry in timed_out["container_instances"]] == hosts
    assert [e["container_instance"]["running_tasks_count"] for e in timed_out["container_instances"]] == [0, 1, 3, 0]
    # One deadline for the batch (two stuck instances do not wait twice), each poll one describe call:
    # polls after 1, 3 and 4 seconds plus the lookup's.
    assert elapsed >= 4
    assert count(emulator, "UpdateContainerInstancesState") == 1
    assert count(emulator, "DeregisterContainerInstance") == 2
    assert 2 <= count(emulator, "DescribeContainerInstances") <= 5
    assert statuses(emulator, arns) == ["INACTIVE", "DRAINING", "DRAINING", "INACTIVE"]

    emulator.clear_calls()
    forced = run_module(MODULE, dict(args, force=True, drain_timeout=0), emulator.env())
    assert not forced.get("failed"), forced.get("msg")
    assert [entry["changed"] for entry in forced["container_instances"]] == [False, True, True, False]
    assert statuses(emulator, arns) == ["INACTIVE"] * 4
    assert [c["operation"] for c in emulator.writes()] == ["DeregisterContainerInstance"] * 2


def test_unknown_left_alone_when_absent_and_refused_before_any_write_otherwise(emulator):
    hosts, arns = hosts_in_cluster(emulator, 3)
    _, [not_in_cluster] = register_hosts(emulator, 1)
    [ghost] = unknown_instance_ids(1)
    emulator.clear_calls()

    refused = run_module(
        MODULE, {"cluster": "edge", "instances": [hosts[0], not_in_cluster, arns[1], ghost]}, emulator.env()
    )
    assert refused["failed"]
    assert refused["msg"] == (
        f"instances: {not_in_cluster}, {ghost} have no container instance in cluster 'edge'; "
        "the ECS agent on the host registers it"
    )
    assert emulator.writes() == []

    references = [hosts[0], not_in_cluster, arns[1], ghost]
    removed = run_module(MODULE, {"cluster": "edge", "instances": references, "state": "absent"}, emulator.env())
    assert not removed.get("failed"), removed.get("msg")
    assert [entry["changed"] for entry in removed["container_instances"]] == [True, False, True, False]
    assert removed["container_instances"][1]["container_instance"] == {}
    assert removed["container_instances"][3]["container_instance"] == {}
    assert statuses(emulator, arns) == ["INACTIVE", "INACTIVE", "ACTIVE"]


def test_bad_elements_are_named_by_position_before_any_call(emulator):
    hosts, arns = hosts_in_cluster(emulator, 2)
    other_cluster = arns[1].replace("/edge/", "/prod/")
    bad = run_module(
        MODULE,
        {"cluster": "edge", "instances": [hosts[0], arns[1], "mi-1", other_cluster, hosts[0]], "state": "absent"},
        emulator.env(),
    )
    assert bad["failed"]
    assert bad["msg"] == (
        "instances[2]: 'mi-1' is not a managed instance id (mi- followed by 17 lowercase hex digits); "
        f"instances[3]: '{other_cluster}' belongs to cluster 'prod', not to cluster 'edge'; "
        f"instances: '{hosts[0]}' is given more than once (instances[0], instances[4]); "
        "give each container instance once"
    )
    both = run_module(MODULE, {"cluster": "edge", "instance": hosts[0], "instances": [hosts[1]]}, emulator.env())
    assert both["failed"] and "mutually exclusive" in both["msg"]
    neither = run_module(MODULE, {"cluster": "edge", "state": "absent"}, emulator.env())
    assert neither["failed"] and "instance, instances" in neither["msg"]
    nulls = run_module(MODULE, {"cluster": "edge", "instances": None}, emulator.env())
    assert nulls["failed"] and nulls["msg"] == "instance: one of instance and instances is required"
    assert emulator.calls() == []
    assert statuses(emulator, arns) == ["ACTIVE", "ACTIVE"]


def test_same_instance_by_id_and_by_arn_is_handled_once(emulator):
    hosts, arns = hosts_in_cluster(emulator, 2)
    result = run_module(
        MODULE, {"cluster": "edge", "instances": [hosts[0], arns[0], hosts[1]], "state": "absent"}, emulator.env()
    )
    assert not result.get("failed"), result.get("msg")
    assert [entry["changed"] for entry in result["container_instances"]] == [True, True, True]
    assert count(emulator, "DeregisterContainerInstance") == 2
    assert statuses(emulator, arns) == ["INACTIVE", "INACTIVE"]


def test_batch_correct_under_throttling(emulator):
    hosts, arns = hosts_in_cluster(emulator, 12)
    emulator.set_faults(
        throttling(
            "ecs:ListContainerInstances",
            "ecs:DescribeContainerInstances",
            "ecs:UpdateContainerInstancesState",
            "ecs:DeregisterContainerInstance",
        )
    )
    result = run_module(
        MODULE,
        {"cluster": "edge", "instances": mixed_references(hosts, arns), "state": "absent", "drain_timeout": 0},
        emulator.env(),
    )
    assert not result.get("failed"), result.get("msg")
    assert_throttled(
        emulator,
        "ecs:ListContainerInstances",
        "ecs:DescribeContainerInstances",
        "ecs:UpdateContainerInstancesState",
        "ecs:DeregisterContainerInstance",
    )
    emulator.clear_faults()
    assert statuses(emulator, arns) == ["INACTIVE"] * 12
