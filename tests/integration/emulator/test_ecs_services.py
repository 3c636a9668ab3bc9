"""Simulated services on external instances: what a drain, an agent stop and a deregistration mean to a user."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse

import pytest

from tests.emulator.drain_record import DrainRecord
from tests.integration.emulator.test_ecs_external import agent_ecs, register_instance
from tests.integration.emulator.world import create_role, register

TASK_START = 0.4


@pytest.fixture
def hosts(emulator):
    """A function registering n container instances in cluster `edge`; tasks start after TASK_START."""
    create_role(emulator)
    emulator.client("ecs").create_cluster(clusterName="edge")
    emulator.set_config(task_start_seconds=TASK_START)
    ssm = emulator.client("ssm")

    def make(count: int) -> list[str]:
        activation = ssm.create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=count)
        return [
            register_instance(emulator, register(emulator, activation), versionInfo={"agentVersion": "1.89.2"})[
                "containerInstanceArn"
            ]
            for _ in range(count)
        ]

    return make


def describe(emulator, arns: list[str]) -> dict[str, dict]:
    found = emulator.client("ecs").describe_container_instances(cluster="edge", containerInstances=arns)
    return {i["containerInstanceArn"]: i for i in found["containerInstances"]}


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def service_of(emulator, name: str = "web") -> dict:
    return emulator.services()["regions"]["us-east-1"]["edge"]["services"][name]


def wait_for_running(emulator, count: int, name: str = "web") -> dict:
    """The service's record once it runs `count` tasks."""
    return wait_for(lambda: (service := service_of(emulator, name))["runningCount"] == count and service)


def history_of(emulator, arn: str) -> list:
    return emulator.services()["regions"]["us-east-1"]["edge"]["containerInstances"][arn]["history"]


def running_tasks(service: dict) -> list[dict]:
    return [t for t in service["tasks"] if t["lastStatus"] == "RUNNING"]


def test_agent_session_end_disconnects_at_once_until_the_next_call(emulator, hosts):
    (arn,) = hosts(1)
    calls_before = len(emulator.calls(agent=None))
    ended = emulator.end_agent_session(arn)
    assert (ended["containerInstanceArn"], ended["agentConnected"]) == (arn, False)
    assert describe(emulator, [arn])[arn]["agentConnected"] is False
    assert len(emulator.calls(agent=None)) == calls_before + 1  # the Describe only: control routes are not AWS calls
    agent_ecs(emulator).discover_poll_endpoint(containerInstance=arn, cluster="edge")
    assert describe(emulator, [arn])[arn]["agentConnected"] is True

    history = history_of(emulator, arn)
    assert [entry[1:] for entry in history] == [
        ["ACTIVE", True, "1.89.2"],
        ["ACTIVE", False, "1.89.2"],
        ["ACTIVE", True, "1.89.2"],
    ]
    ((where, (since, until)),) = DrainRecord(emulator.services()).active_while_disconnected()
    assert (where, since, until) == (arn, history[1][0], history[2][0])


def _end_session_from(emulator, arn: str, source: str) -> dict:
    """The session-end call as an agent at another address sends it (a clone's, on another host)."""
    url = urllib.parse.urlsplit(emulator.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10, source_address=(source, 0))
    body = json.dumps({"containerInstance": arn, "connected": False})
    connection.request("POST", "/_emulator/ecs/agent-session", body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    assert answer.status == 200
    return json.loads(answer.read())


def test_a_clones_session_end_leaves_the_agent_that_holds_the_instance_connected(emulator, hosts):
    # A cloned host's agent, with the original's saved state, stops (it registers anew): the
    # original's agent, which called from its own address within the ping timeout, stays connected.
    (arn,) = hosts(1)
    assert _end_session_from(emulator, arn, "127.0.0.2")["agentConnected"] is True
    assert describe(emulator, [arn])[arn]["agentConnected"] is True
    # The original's own stop ends the session.
    assert _end_session_from(emulator, arn, "127.0.0.1")["agentConnected"] is False
    assert describe(emulator, [arn])[arn]["agentConnected"] is False


def test_agent_session_end_refuses_other_regions_and_connected_true(emulator, hosts):
    (arn,) = hosts(1)
    for payload in ({"region": "eu-west-1", "connected": False}, {"region": "us-east-1", "connected": True}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            emulator._control("POST", "ecs/agent-session", {"containerInstance": arn, **payload})
        assert refused.value.code == 400
    assert describe(emulator, [arn])[arn]["agentConnected"] is True


def test_history_records_a_version_change_and_a_drain(emulator, hosts):
    (arn,) = hosts(1)
    register_instance(
        emulator,
        emulator.state()["managed_instances"][0]["InstanceId"],
        containerInstanceArn=arn,
        versionInfo={"agentVersion": "1.90.0"},
    )
    emulator.client("ecs").update_container_instances_state(cluster="edge", containerInstances=[arn], status="DRAINING")
    assert [entry[1:] for entry in history_of(emulator, arn)] == [
        ["ACTIVE", True, "1.89.2"],
        ["ACTIVE", True, "1.90.0"],
        ["DRAINING", True, "1.90.0"],
    ]


def test_tasks_are_placed_fewest_first_and_run_after_the_start_time(emulator, hosts):
    busy, idle = hosts(2)
    emulator.set_running_tasks("edge", busy, 2)
    created = emulator.put_service("edge", "web", 2)
    assert (created["desiredCount"], created["pendingCount"], created["runningCount"]) == (2, 2, 0)
    assert [t["containerInstanceArn"] for t in created["tasks"]] == [idle, idle]
    assert describe(emulator, [idle])[idle]["pendingTasksCount"] == 2
    service = wait_for_running(emulator, 2)
    for task in service["tasks"]:
        assert task["startedAt"] - task["placedAt"] == pytest.approx(TASK_START)
    counts = describe(emulator, [busy, idle])
    assert {arn: (i["runningTasksCount"], i["pendingTasksCount"]) for arn, i in counts.items()} == {
        busy: (2, 0),
        idle: (2, 0),
    }
    assert service["runningTimeline"][0][1] == 0 and service["runningTimeline"][-1][1] == 2


def test_draining_one_of_three_moves_its_task_and_never_runs_fewer_than_three(emulator, hosts):
    arns = hosts(3)
    emulator.put_service("edge", "web", 3)
    steady = wait_for_running(emulator, 3)
    assert sorted(t["containerInstanceArn"] for t in steady["tasks"]) == sorted(arns)
    drained = arns[0]
    (old,) = [t for t in steady["tasks"] if t["containerInstanceArn"] == drained]

    emulator.client("ecs").update_container_instances_state(
        cluster="edge", containerInstances=[drained], status="DRAINING"
    )
    # The old task runs until its replacement does.
    during = describe(emulator, arns)
    assert during[drained]["runningTasksCount"] == 1
    assert sum(during[arn]["pendingTasksCount"] for arn in arns[1:]) == 1
    wait_for(lambda: describe(emulator, [drained])[drained]["runningTasksCount"] == 0)

    record = DrainRecord(emulator.services())
    service = record.service("web")
    (stopped,) = [t for t in service["tasks"] if t["lastStatus"] == "STOPPED"]
    assert (stopped["taskId"], stopped["stoppedReason"]) == (old["taskId"], "draining")
    (replacement,) = [t for t in service["tasks"] if t["createdAt"] > steady["steadyAt"]]
    assert replacement["containerInstanceArn"] in arns[1:]
    assert replacement["startedAt"] <= stopped["stoppedAt"]
    assert {t["containerInstanceArn"] for t in running_tasks(service)} == set(arns[1:])
    assert record.min_running("web", start=steady["steadyAt"]) == 3
    assert service["minRunningSinceSteady"] == 3
    assert record.stops_not_by_draining() == []
    assert record.active_while_disconnected() == []


def test_drain_without_another_active_instance_keeps_the_task_until_one_comes(emulator, hosts):
    (only,) = hosts(1)
    emulator.put_service("edge", "web", 1)
    wait_for(lambda: service_of(emulator)["runningCount"] == 1)
    emulator.client("ecs").update_container_instances_state(
        cluster="edge", containerInstances=[only], status="DRAINING"
    )
    time.sleep(3 * TASK_START)
    service = service_of(emulator)
    assert [(t["containerInstanceArn"], t["lastStatus"]) for t in service["tasks"]] == [
        (only, "RUNNING"),
        (None, "PENDING"),  # the replacement, waiting for an instance to run on
    ]
    assert describe(emulator, [only])[only]["runningTasksCount"] == 1

    (arrived,) = hosts(1)
    wait_for(lambda: describe(emulator, [only])[only]["runningTasksCount"] == 0)
    service = service_of(emulator)
    assert [(t["containerInstanceArn"], t["lastStatus"], t["stoppedReason"]) for t in service["tasks"]] == [
        (only, "STOPPED", "draining"),
        (arrived, "RUNNING", None),
    ]
    assert service["minRunningSinceSteady"] == 1


def test_agent_stop_while_active_stops_its_task_and_the_service_replaces_it(emulator, hosts):
    first, second = hosts(2)
    emulator.put_service("edge", "web", 1)
    service = wait_for_running(emulator, 1)
    ((task_host, _),) = [(t["containerInstanceArn"], t) for t in service["tasks"]]
    other = second if task_host == first else first

    emulator.end_agent_session(task_host)
    assert describe(emulator, [task_host])[task_host]["runningTasksCount"] == 0
    wait_for(lambda: service_of(emulator)["runningCount"] == 1)
    record = DrainRecord(emulator.services())
    (lost,) = record.stops_not_by_draining()
    assert (lost["containerInstanceArn"], lost["stoppedReason"]) == (task_host, "agent disconnected while ACTIVE")
    ((where, (since, until)),) = record.active_while_disconnected()
    assert (where, since, until) == (task_host, lost["stoppedAt"], None)
    assert [t["containerInstanceArn"] for t in running_tasks(record.service("web"))] == [other]
    assert record.min_running("web", start=service["steadyAt"]) == 0


def test_a_ping_timeout_stops_tasks_at_the_moment_it_happened(emulator, hosts):
    emulator.set_ping_timeout(1.0)
    (arn,) = hosts(1)
    emulator.put_service("edge", "web", 1)
    time.sleep(1.5)  # no poll: the agent is lost 1 s after its registration, seen half a second later
    service = service_of(emulator)
    registered, lost = history_of(emulator, arn)
    assert lost[1:] == ["ACTIVE", False, "1.89.2"]
    assert lost[0] - registered[0] == pytest.approx(1.0, abs=0.05)
    task, replacement = service["tasks"]
    assert (task["stoppedAt"], task["stoppedReason"]) == (lost[0], "agent disconnected while ACTIVE")
    assert (replacement["lastStatus"], replacement["containerInstanceArn"]) == ("PENDING", None)
    assert service["runningTimeline"][-1] == [lost[0], 0]
    assert describe(emulator, [arn])[arn]["runningTasksCount"] == 0


def test_forced_deregistration_stops_tasks_and_they_move(emulator, hosts):
    first, second = hosts(2)
    emulator.put_service("edge", "web", 2)
    wait_for(lambda: service_of(emulator)["runningCount"] == 2)
    emulator.client("ecs").deregister_container_instance(cluster="edge", containerInstance=first, force=True)
    service = wait_for_running(emulator, 2)
    assert [(t["containerInstanceArn"], t["stoppedReason"]) for t in service["tasks"] if t["stoppedAt"]] == [
        (first, "deregistered")
    ]
    assert {t["containerInstanceArn"] for t in running_tasks(service)} == {second}
    assert history_of(emulator, first)[-1][1:] == ["INACTIVE", False, "1.89.2"]


def test_a_lower_desired_count_scales_in(emulator, hosts):
    hosts(2)
    emulator.put_service("edge", "web", 2)
    wait_for_running(emulator, 2)
    lowered = emulator.put_service("edge", "web", 1)
    assert (lowered["desiredCount"], lowered["runningCount"]) == (1, 1)
    assert [t["stoppedReason"] for t in lowered["tasks"] if t["stoppedAt"]] == ["scaled in"]


def test_put_service_refuses_bad_requests(emulator, hosts):
    hosts(1)
    for payload in (
        {"cluster": "nowhere", "service": "web", "desiredCount": 1},
        {"cluster": "edge", "service": "", "desiredCount": 1},
        {"cluster": "edge", "service": "web", "desiredCount": -1},
        {"cluster": "edge", "service": "web", "desiredCount": True},
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            emulator._control("POST", "ecs/services", payload)
        assert refused.value.code == 400
    assert emulator.services()["regions"]["us-east-1"]["edge"]["services"] == {}


def test_reset_forgets_services_tasks_and_histories(emulator, hosts):
    (arn,) = hosts(1)
    emulator.put_service("edge", "web", 1)
    emulator.end_agent_session(arn)
    assert emulator.services()["regions"]["us-east-1"]["edge"]["services"]
    emulator.reset()
    assert emulator.services() == {"regions": {}}
