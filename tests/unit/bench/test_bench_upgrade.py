"""The benchmark's rolling agent upgrades (benchmarks/upgrade.py): the draining computation from the
emulator's ECS records, the version check, the run plan, their budgets (benchmarks/budgets.py) and
their table (benchmarks/report.py)."""

import argparse

import pytest

from benchmarks import budgets, report, upgrade
from benchmarks.__main__ import merge, serials


def instance(*history):
    return {"ec2InstanceId": "mi-0", "history": [list(entry) for entry in history], "otherRunningTasks": 0}


def records(instances, timeline=((0.0, 0), (1.0, 4))):
    web = {"serviceName": "web", "desiredCount": 4, "runningTimeline": [list(e) for e in timeline], "tasks": []}
    containers = {f"arn:{index}": item for index, item in enumerate(instances)}
    return {"regions": {"us-east-1": {"edge": {"services": {"web": web}, "containerInstances": containers}}}}


def test_draining_spells_overlapping_the_run_and_how_many_at_once():
    one_at_a_time = records(
        [
            instance([0, "ACTIVE", True, "1.89.2"], [10, "DRAINING", True, "1.89.2"], [20, "ACTIVE", True, "1.90.0"]),
            instance([0, "ACTIVE", True, "1.89.2"], [20, "DRAINING", True, "1.89.2"], [30, "ACTIVE", True, "1.90.0"]),
        ]
    )
    spells = upgrade.draining_spells(one_at_a_time, start=5)
    assert spells == [(10, 20), (20, 30)]
    # One ends as the next begins: never two at once.
    assert upgrade.most_at_once(spells) == 1
    # A spell before the run, or after it, is not the run's.
    assert upgrade.draining_spells(one_at_a_time, start=20.5) == [(20, 30)]
    assert upgrade.draining_spells(one_at_a_time, start=0, end=15) == [(10, 20)]


def test_two_at_once_and_a_spell_still_under_way():
    overlapping = records(
        [
            instance(
                [0, "ACTIVE", True, "1.89.2"], [10, "DRAINING", True, "1.89.2"], [12, "DRAINING", False, "1.89.2"]
            ),
            # agentConnected and version changes while DRAINING are the same spell.
            instance([0, "ACTIVE", True, "1.89.2"], [11, "DRAINING", True, "1.89.2"], [15, "DRAINING", True, "1.90.0"]),
            instance([0, "ACTIVE", True, "1.89.2"], [30, "DRAINING", True, "1.89.2"], [40, "ACTIVE", True, "1.90.0"]),
        ]
    )
    spells = upgrade.draining_spells(overlapping, start=0)
    assert spells == [(10, None), (11, None), (30, 40)]
    assert upgrade.most_at_once(spells) == 3
    assert upgrade.most_at_once([]) == 0


def test_service_view_reads_the_fewest_running_during_the_run_only():
    view = upgrade.service_view(
        records(
            [instance([0, "ACTIVE", True, "1.89.2"], [10, "DRAINING", True, "1.89.2"], [20, "ACTIVE", True, "1.90.0"])],
            timeline=((0.0, 0), (1.0, 4), (12.0, 5), (13.0, 3), (14.0, 4)),
        ),
        4,
        start=5,
        end=30,
    )
    assert view["fewest_running"] == 3
    assert view["running_at_end"] == 4
    assert (view["most_draining_at_once"], view["drains"]) == (1, 1)
    # The start-up (0 running) was before the run.
    assert upgrade.service_view(records([]), 4, start=5, end=30)["fewest_running"] == 4


def state(ssm_versions, ecs_versions, status="ACTIVE", connected=True):
    return {
        "managed_instances": [
            {"InstanceId": f"mi-{index}", "Name": f"h{index}", "AgentVersion": version, "region": "us-east-1"}
            for index, version in enumerate(ssm_versions)
        ],
        "container_instances": {
            "edge": [
                {
                    "ec2InstanceId": f"mi-{index}",
                    "versionInfo": {"agentVersion": version},
                    "status": status,
                    "agentConnected": connected,
                    "region": "us-east-1",
                }
                for index, version in enumerate(ecs_versions)
            ]
        },
    }


def test_versions_are_checked_on_every_host_as_ssm_and_ecs_report_them():
    new = upgrade.expected_versions(upgrade.NEW)
    assert new == {"ecs_agent": "1.90.0", "ssm_agent": "3.3.1611.0"}
    assert upgrade.expected_versions(upgrade.OLD) == {"ecs_agent": "1.89.2", "ssm_agent": "3.3.1142.0"}
    assert upgrade.version_problems(state(["3.3.1611.0"] * 2, ["1.90.0"] * 2), new, 2) == []
    problems = upgrade.version_problems(state(["3.3.1611.0", "3.3.1142.0"], ["1.90.0", "1.89.2"]), new, 2)
    assert problems == ["h1: SSM AgentVersion '3.3.1142.0'", "h1: ECS agentVersion '1.89.2'"]
    assert upgrade.version_problems(state(["3.3.1611.0"], ["1.90.0"]), new, 2) == [
        "1 managed instances in us-east-1, not 2",
        "1 container instances in edge of us-east-1, not 2",
    ]
    assert upgrade.version_problems(state(["3.3.1611.0"], ["1.90.0"], status="DRAINING"), new, 1) == [
        "h0: DRAINING, agent connected"
    ]


def test_plan_downgrades_by_pin_between_upgrades():
    plan = upgrade.plan(["1", "2"])
    assert [(label, playbook, serial) for label, playbook, _, _, serial in plan] == [
        ("upgrade, rolling size 1", "playbooks/upgrade.yml", "1"),
        ("downgrade by pin, before rolling size 2", "playbooks/site.yml", "1"),
        ("upgrade, rolling size 2", "playbooks/upgrade.yml", "2"),
    ]
    assert plan[0][2] == ["-e", "ecs_anywhere_upgrade_serial=1"]
    assert plan[1][2] == [
        "-e",
        "ecs_anywhere_ecs_init_version=1.89.2-1",
        "-e",
        "ecs_anywhere_ssm_agent_version=3.3.1142.0",
    ]
    assert plan[1][3] == upgrade.OLD and plan[2][3] == upgrade.NEW


def test_batch_size_counts_as_ansible_serial_does():
    assert [upgrade.batch_size(serial, 4) for serial in ("1", "2", 3, "9", "25%", "10%", "50%", "100%")] == [
        1,
        2,
        3,
        4,
        1,
        1,
        2,
        4,
    ]


def test_rolling_sizes_on_the_command_line():
    assert serials("1,2") == ["1", "2"]
    assert serials("25%, 2") == ["25%", "2"]
    assert serials("") == []
    for bad in ("0", "x", "-1", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            serials(bad)


def run(serial="1", hosts=4, *, fewest=4, most=1, drains=4, writes=None, disconnected=0, seconds=200.0):
    return {
        "seconds": seconds,
        "hosts": hosts,
        "serial": serial,
        "batch_size": upgrade.batch_size(serial, hosts),
        "reads": {"DescribeContainerInstances": 30, "DescribeInstanceInformation": 6},
        "writes": {"UpdateContainerInstancesState": 2 * hosts} if writes is None else writes,
        "changed_tasks": 20,
        "desired": 4,
        "fewest_running": fewest,
        "most_draining_at_once": most,
        "drains": drains,
        "active_while_disconnected": disconnected,
        "agent_reads": {"DescribeInstanceInformation": 1},
        "agent_writes": {"UpdateInstanceInformation": 40, "RegisterContainerInstance": 4},
        "versions_after": {"ecs_agent": "1.90.0", "ssm_agent": "3.3.1611.0"},
        "load_before": 1.5,
        "load_after": 2.0,
    }


def statuses(record):
    return [check.ok for check in budgets.check_upgrade("x", record)]


def test_upgrade_budgets_met_by_the_design():
    assert statuses(run()) == [True] * 5
    assert statuses(run("2", most=2)) == [True] * 5


def test_upgrade_budgets_missed():
    checks = {check.budget: check for check in budgets.check_upgrade("x", run(fewest=3))}
    assert (
        checks["agent upgrade: the service never runs fewer tasks than desired (drained tasks replaced first)"].ok
        is False
    )
    assert statuses(run("1", most=2))[1] is False
    assert statuses(run("2", most=3))[1] is False
    assert statuses(run(drains=5))[2] is False
    assert statuses(run(writes={"UpdateContainerInstancesState": 7}))[3] is False
    extra = budgets.check_upgrade("x", run(writes={"UpdateContainerInstancesState": 8, "AddTagsToResource": 1}))[3]
    assert extra.ok is False and extra.measured == "AddTagsToResource 1, UpdateContainerInstancesState 8"
    assert statuses(run(disconnected=1))[4] is False
    # Every host drained at once leaves no instance to move the tasks to: that rule does not apply.
    assert statuses(run("4", most=4))[0] is None


def test_check_all_reads_the_upgrade_part():
    results = {"upgrade": {"4": {"upgrade, rolling size 1": run(), "upgrade, rolling size 2": run("2", most=2)}}}
    checks = [check for check in budgets.check_all(results) if check.budget.startswith("agent upgrade")]
    assert {check.case for check in checks} == {
        "upgrade N=4, upgrade, rolling size 1",
        "upgrade N=4, upgrade, rolling size 2",
    }
    assert len(checks) == 10 and all(check.ok for check in checks)


def test_upgrade_table_has_a_row_per_run():
    results = {
        "machine": {"CPUs": "2"},
        "real": {},
        "fleet": {},
        "upgrade": {
            "4": {
                "upgrade, rolling size 1": run(),
                "downgrade by pin, before rolling size 2": run(seconds=180.0),
                "upgrade, rolling size 2": run("2", most=2, seconds=120.0),
            }
        },
    }
    text = report.render(results, budgets.check_all(results), "results.png")
    assert "## 4. Rolling agent upgrades" in text
    assert (
        "| 4 | upgrade, rolling size 1 | 1 | 200.0 | 50.0 | 36 | 8 | 8 | 30 | 4 of 4 | 1 | 4 | 1.90.0 / 3.3.1611.0 "
        "| 1.5-2.0 | DescribeContainerInstances 30, DescribeInstanceInformation 6, **UpdateContainerInstancesState 8** "
        "| DescribeInstanceInformation 1, **UpdateInstanceInformation 40**, **RegisterContainerInstance 4** |"
    ) in text
    assert "| 4 | downgrade by pin, before rolling size 2 | 1 (default) | 180.0 | 45.0 |" in text
    assert "| 4 | upgrade, rolling size 2 | 2 | 120.0 | 30.0 |" in text
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith("| 4 | ")]
    assert [row.split(" | ")[1] for row in rows] == [
        "upgrade, rolling size 1",
        "downgrade by pin, before rolling size 2",
        "upgrade, rolling size 2",
    ]
    assert "Not run (`--upgrade-sizes` empty)." in report.render({"machine": {}}, [], "results.png")


def test_merge_keeps_the_other_parts_and_earlier_upgrade_sizes():
    earlier = {"machine": {}, "real": {"1": "r"}, "fleet": {"all new": {"100": 1}}, "upgrade": {"2": "old", "4": "old"}}
    later = {"machine": {}, "real": {}, "fleet": {}, "upgrade": {"4": "new"}}
    merged = merge(earlier, later)
    assert merged["real"] == {"1": "r"} and merged["fleet"] == {"all new": {"100": 1}}
    assert merged["upgrade"] == {"2": "old", "4": "new"}
    assert merge({"machine": {}, "fleet": {}}, later)["upgrade"] == {"4": "new"}
