"""container_instance against the emulator: drain, activate, deregister, timeouts, check mode, throttling."""

import threading
import time

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import assert_throttled, register_container_instances, register_hosts, throttling

MODULE = "onprem.ecs_anywhere.container_instance"


def one_host(emulator, cluster="edge"):
    emulator.client("ecs").create_cluster(clusterName=cluster)
    _, [host] = register_hosts(emulator, 1)
    [arn] = register_container_instances(emulator, cluster, [host])
    emulator.clear_calls()
    return host, arn


def status_of(emulator, arn, cluster="edge"):
    response = emulator.client("ecs").describe_container_instances(cluster=cluster, containerInstances=[arn])
    return response["containerInstances"][0]["status"]


def test_draining_and_back_with_check_mode_and_idempotence(emulator):
    host, arn = one_host(emulator)
    args = {"cluster": "edge", "instance": host, "state": "draining"}

    predicted = run_module(MODULE, args, emulator.env(), check=True, diff=True)
    assert predicted["changed"] is True
    assert predicted["diff"] == {"before": {"status": "ACTIVE"}, "after": {"status": "DRAINING"}}
    assert emulator.writes() == []

    drained = run_module(MODULE, args, emulator.env())
    assert drained["changed"] is True and drained["container_instance"]["status"] == "DRAINING"
    assert status_of(emulator, arn) == "DRAINING"

    emulator.clear_calls()
    assert run_module(MODULE, args, emulator.env())["changed"] is False
    assert emulator.writes() == []

    active = run_module(MODULE, {"cluster": "edge", "instance": arn, "state": "active"}, emulator.env())
    assert active["changed"] is True
    assert status_of(emulator, arn) == "ACTIVE"


def test_absent_waits_for_tasks_then_deregisters(emulator):
    host, arn = one_host(emulator)
    emulator.set_running_tasks("edge", arn, 2)
    stopper = threading.Timer(3.0, emulator.set_running_tasks, args=("edge", arn, 0))
    stopper.start()
    started = time.monotonic()
    try:
        result = run_module(
            MODULE, {"cluster": "edge", "instance": host, "state": "absent", "drain_timeout": 60}, emulator.env()
        )
    finally:
        stopper.cancel()
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert time.monotonic() - started >= 3.0
    assert [c["operation"] for c in emulator.writes(service="ecs")] == [
        "UpdateContainerInstancesState",
        "DeregisterContainerInstance",
    ]
    assert status_of(emulator, arn) == "INACTIVE"

    emulator.clear_calls()
    again = run_module(MODULE, {"cluster": "edge", "instance": host, "state": "absent"}, emulator.env())
    assert again["changed"] is False
    assert emulator.writes() == []


def test_drain_timeout_fails_clearly_unless_forced(emulator):
    host, arn = one_host(emulator)
    emulator.set_running_tasks("edge", arn, 1)
    args = {"cluster": "edge", "instance": host, "state": "absent", "drain_timeout": 2}

    timed_out = run_module(MODULE, args, emulator.env())
    assert timed_out["failed"]
    assert timed_out["msg"].startswith("drain_timeout: 1 task(s) still running")
    assert status_of(emulator, arn) == "DRAINING"

    forced = run_module(MODULE, dict(args, force=True), emulator.env())
    assert forced["changed"] is True
    assert status_of(emulator, arn) == "INACTIVE"


def test_draining_with_wait_for_tasks_waits_then_fails_or_goes_on_when_forced(emulator):
    host, arn = one_host(emulator)
    emulator.set_running_tasks("edge", arn, 2)
    stopper = threading.Timer(3.0, emulator.set_running_tasks, args=("edge", arn, 0))
    stopper.start()
    started = time.monotonic()
    args = {"cluster": "edge", "instance": host, "state": "draining", "wait_for_tasks": True, "drain_timeout": 60}
    try:
        drained = run_module(MODULE, args, emulator.env())
    finally:
        stopper.cancel()
    assert not drained.get("failed"), drained.get("msg")
    assert drained["changed"] is True and time.monotonic() - started >= 3.0
    assert drained["container_instance"]["running_tasks_count"] == 0
    assert status_of(emulator, arn) == "DRAINING"

    # Already DRAINING, tasks that do not go: the wait still counts, and says what to do.
    emulator.set_running_tasks("edge", arn, 1)
    emulator.clear_calls()
    timed_out = run_module(MODULE, dict(args, drain_timeout=2), emulator.env())
    assert timed_out["failed"] and timed_out["changed"] is False
    assert timed_out["msg"].startswith(f"drain_timeout: tasks still running after 2 seconds on {arn} (1 task(s))")
    assert "left DRAINING" in timed_out["msg"]
    assert emulator.writes() == [] and status_of(emulator, arn) == "DRAINING"

    forced = run_module(MODULE, dict(args, drain_timeout=1, force=True), emulator.env())
    assert not forced.get("failed") and any("going on (force)" in w for w in forced.get("warnings", []))

    # The batch form waits the same way.
    emulator.set_running_tasks("edge", arn, 0)
    run_module(MODULE, {"cluster": "edge", "instance": arn, "state": "active"}, emulator.env())
    emulator.set_running_tasks("edge", arn, 1)
    batch = run_module(
        MODULE,
        {"cluster": "edge", "instances": [host], "state": "draining", "wait_for_tasks": True, "drain_timeout": 1},
        emulator.env(),
    )
    assert batch["failed"] and batch["changed"] is True and "(1 task(s))" in batch["msg"]


def test_absent_in_check_mode_writes_nothing_and_unknown_is_unchanged(emulator):
    _, arn = one_host(emulator)
    predicted = run_module(MODULE, {"cluster": "edge", "instance": arn, "state": "absent"}, emulator.env(), check=True)
    assert predicted["changed"] is True
    assert emulator.writes() == []
    assert status_of(emulator, arn) == "ACTIVE"

    _, [stranger] = register_hosts(emulator, 1)
    unknown = run_module(MODULE, {"cluster": "edge", "instance": stranger, "state": "absent"}, emulator.env())
    assert unknown["changed"] is False


def test_bad_input_fails_naming_the_option(emulator):
    host, arn = one_host(emulator)
    wrong_cluster = run_module(MODULE, {"cluster": "prod", "instance": arn, "state": "absent"}, emulator.env())
    assert wrong_cluster["failed"] and wrong_cluster["msg"].startswith("instance:")
    malformed = run_module(MODULE, {"cluster": "edge", "instance": "mi-1", "state": "absent"}, emulator.env())
    assert malformed["failed"] and malformed["msg"].startswith("instance: 'mi-1'")
    unknown_cluster = run_module(MODULE, {"cluster": "nowhere", "instance": host, "state": "absent"}, emulator.env())
    assert unknown_cluster["failed"] and unknown_cluster["msg"].startswith("cluster:")
    not_registered = run_module(MODULE, {"cluster": "edge", "instance": "mi-f0000000000000000"}, emulator.env())
    assert not_registered["failed"] and not_registered["msg"].startswith("instance: mi-f0000000000000000 has no")
    assert emulator.writes() == []


def test_correct_under_throttling_of_every_operation(emulator):
    host, arn = one_host(emulator)
    emulator.set_faults(
        throttling(
            "ecs:ListContainerInstances",
            "ecs:DescribeContainerInstances",
            "ecs:UpdateContainerInstancesState",
            "ecs:DeregisterContainerInstance",
        )
    )
    result = run_module(
        MODULE, {"cluster": "edge", "instance": host, "state": "absent", "drain_timeout": 0}, emulator.env()
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
    assert status_of(emulator, arn) == "INACTIVE"
