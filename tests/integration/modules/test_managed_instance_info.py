"""managed_instance_info against the emulator: batched lookups, filters, throttling, no writes."""

import math

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import (
    assert_throttled,
    operations,
    register_hosts,
    throttling,
    unknown_instance_ids,
)

MODULE = "onprem.ecs_anywhere.managed_instance_info"


def test_500_ids_in_one_call_per_50_with_missing_ones(emulator):
    _, known = register_hosts(emulator, 495)
    asked = known + unknown_instance_ids(5)
    emulator.clear_calls()

    result = run_module(MODULE, {"instance_ids": asked}, emulator.env(), check=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert sorted(i["instance_id"] for i in result["instances"]) == sorted(known)
    assert sorted(result["missing"]) == sorted(unknown_instance_ids(5))
    calls = emulator.calls()
    assert set(operations(calls)) == {"DescribeInstanceInformation"}
    assert len(calls) <= math.ceil(500 / 50) + 1
    print(f"managed_instance_info, 500 ids: {len(calls)} DescribeInstanceInformation calls")
    assert emulator.writes() == []


def test_instances_carry_what_the_agent_reported(emulator):
    activation_id, [instance_id] = register_hosts(emulator, 1, DefaultInstanceName="edge")
    result = run_module(MODULE, {"instance_ids": [instance_id]}, emulator.env())
    [instance] = result["instances"]
    assert instance["instance_id"] == instance_id
    assert instance["activation_id"] == activation_id
    assert instance["ping_status"] == "Online"
    assert instance["computer_name"] == "host-0"
    assert instance["ip_address"] == "192.0.2.1"
    assert instance["platform_name"] == "Debian GNU/Linux"
    assert instance["name"] == "edge"
    assert instance["resource_type"] == "ManagedInstance"
    assert instance["registration_date"] and instance["last_ping_date_time"]


def test_more_than_50_results_are_paged_and_filters_combine(emulator):
    first_activation, first = register_hosts(emulator, 60)
    _, second = register_hosts(emulator, 2)
    # A host that never sent a heartbeat is not Online.
    other_activation, silent = register_hosts(emulator, 1, online=False)
    emulator.clear_calls()

    by_activation = run_module(MODULE, {"activation_ids": [first_activation]}, emulator.env())
    assert sorted(i["instance_id"] for i in by_activation["instances"]) == sorted(first)
    assert len(emulator.calls(operation="DescribeInstanceInformation")) >= 2

    online = run_module(MODULE, {"ping_status": ["Online"]}, emulator.env())
    assert sorted(i["instance_id"] for i in online["instances"]) == sorted(first + second)

    by_name = run_module(
        MODULE, {"activation_ids": [first_activation, other_activation], "name": "nobody"}, emulator.env()
    )
    assert by_name["instances"] == []
    assert silent[0] not in [i["instance_id"] for i in online["instances"]]


def test_tags_filter_and_ids_together(emulator):
    _, hosts = register_hosts(emulator, 4)
    ssm = emulator.client("ssm")
    for instance_id in hosts[:2]:
        ssm.add_tags_to_resource(
            ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": "site", "Value": "lyon"}]
        )
    ghost = unknown_instance_ids(1)
    result = run_module(
        MODULE, {"tags": {"site": "lyon"}, "instance_ids": [hosts[0], hosts[3], *ghost]}, emulator.env()
    )
    assert [i["instance_id"] for i in result["instances"]] == [hosts[0]]
    assert result["missing"] == ghost


def test_a_malformed_id_fails_before_any_call(emulator):
    result = run_module(MODULE, {"instance_ids": ["mi-0123456789abcdef0", "mi-XYZ"]}, emulator.env())
    assert result["failed"]
    assert result["msg"].startswith("instance_ids: 'mi-XYZ'")
    assert emulator.calls() == []


def test_correct_under_throttling_of_every_operation(emulator):
    _, hosts = register_hosts(emulator, 120)
    emulator.clear_calls()
    emulator.set_faults(throttling("ssm:DescribeInstanceInformation"))

    result = run_module(MODULE, {"instance_ids": hosts + unknown_instance_ids(2)}, emulator.env())

    assert not result.get("failed"), result.get("msg")
    assert sorted(i["instance_id"] for i in result["instances"]) == sorted(hosts)
    assert result["missing"] == unknown_instance_ids(2)
    assert_throttled(emulator, "ssm:DescribeInstanceInformation")


def test_a_deregistered_instance_is_missing(emulator):
    _, [kept, gone] = register_hosts(emulator, 2)
    emulator.client("ssm").deregister_managed_instance(InstanceId=gone)
    result = run_module(MODULE, {"instance_ids": [kept, gone]}, emulator.env())
    assert [i["instance_id"] for i in result["instances"]] == [kept]
    assert result["missing"] == [gone]
