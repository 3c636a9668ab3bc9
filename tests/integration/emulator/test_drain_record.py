"""DrainRecord's answers, on records written by hand (no emulator needed)."""

from __future__ import annotations

import pytest

from tests.emulator.drain_record import DrainRecord

A = "arn:aws:ecs:us-east-1:123456789012:container-instance/edge/a"
B = "arn:aws:ecs:us-east-1:123456789012:container-instance/edge/b"


def task(task_id: str, status: str, reason: str | None = None) -> dict:
    return {
        "taskId": task_id,
        "containerInstanceArn": A,
        "lastStatus": status,
        "startedAt": 1.0,
        "stoppedAt": 9.0 if status == "STOPPED" else None,
        "stoppedReason": reason,
    }


def records(**edge_overrides) -> dict:
    edge = {
        "services": {
            "web": {
                "desiredCount": 2,
                "runningTimeline": [[0.0, 0], [1.0, 1], [2.0, 2], [5.0, 3], [5.0, 1], [6.0, 2]],
                "tasks": [task("t1", "STOPPED", "draining"), task("t2", "STOPPED", "scaled in"), task("t3", "RUNNING")],
            }
        },
        "containerInstances": {
            A: {
                "history": [
                    [0.0, "ACTIVE", True, "1.89.2"],
                    [3.0, "ACTIVE", False, "1.89.2"],
                    [4.0, "ACTIVE", False, "1.90.0"],
                    [7.0, "ACTIVE", True, "1.90.0"],
                ]
            },
            B: {
                "history": [
                    [0.0, "ACTIVE", True, "1.89.2"],
                    [2.0, "DRAINING", True, "1.89.2"],
                    [3.0, "DRAINING", False, "1.89.2"],
                    [8.0, "ACTIVE", False, "1.89.2"],
                ]
            },
        },
        **edge_overrides,
    }
    other = {"services": {"web": {"runningTimeline": [[0.0, 5]], "tasks": []}}, "containerInstances": {}}
    return {"regions": {"us-east-1": {"edge": edge}, "eu-west-1": {"edge": other}}}


def test_min_running_over_a_window_counts_the_value_in_force_at_its_start():
    record = DrainRecord(records())
    assert record.min_running("web", region="us-east-1") == 0
    assert record.min_running("web", start=2.5, region="us-east-1") == 1  # the dip at 5.0
    assert record.min_running("web", start=2.5, end=4.9, region="us-east-1") == 2
    assert record.min_running("web", start=6.0, region="us-east-1") == 2
    assert record.min_running("web", region="eu-west-1") == 5


def test_a_service_name_in_two_places_needs_its_region():
    record = DrainRecord(records())
    with pytest.raises(LookupError):
        record.min_running("web")
    with pytest.raises(LookupError):
        record.service("api")
    assert record.service("web", cluster="edge", region="eu-west-1")["runningTimeline"] == [[0.0, 5]]


def test_active_while_disconnected_joins_version_changes_and_keeps_open_ends():
    record = DrainRecord(records())
    # A: one interval although the version changed inside it; B: DRAINING while lost is no finding,
    # ACTIVE again while still lost is, until now.
    assert record.active_while_disconnected() == [(A, (3.0, 7.0)), (B, (8.0, None))]
    assert record.active_while_disconnected(start=7.0) == [(B, (8.0, None))]
    assert record.active_while_disconnected(end=7.5) == [(A, (3.0, 7.0))]
    assert record.active_while_disconnected(start=3.5, end=3.6) == [(A, (3.0, 7.0))]


def test_no_finding_when_every_instance_was_drained_before_its_agent_stopped():
    clean = records(
        containerInstances={
            A: {
                "history": [
                    [0.0, "ACTIVE", True, "1.89.2"],
                    [1.0, "DRAINING", True, "1.89.2"],
                    [2.0, "DRAINING", False, "1.89.2"],
                    [3.0, "DRAINING", True, "1.90.0"],
                    [4.0, "ACTIVE", True, "1.90.0"],
                ]
            }
        }
    )
    assert DrainRecord(clean).active_while_disconnected() == []


def test_stops_not_by_draining_names_where_they_happened():
    (found,) = DrainRecord(records()).stops_not_by_draining()
    assert (found["taskId"], found["stoppedReason"]) == ("t2", "scaled in")
    assert (found["region"], found["cluster"], found["serviceName"]) == ("us-east-1", "edge", "web")
