"""managed_instance against the emulator: name and tags, deregistration, check mode, throttling."""

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import assert_throttled, register_hosts, throttling, unknown_instance_ids

MODULE = "onprem.ecs_anywhere.managed_instance"


def tags_of(emulator, instance_id):
    response = emulator.client("ssm").list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=instance_id)
    return {tag["Key"]: tag["Value"] for tag in response["TagList"]}


def test_name_and_tags_then_nothing_to_do(emulator):
    _, [host] = register_hosts(emulator, 1)
    args = {"instance_id": host, "name": "edge-01", "tags": {"site": "lyon"}}
    emulator.clear_calls()

    predicted = run_module(MODULE, args, emulator.env(), check=True, diff=True)
    assert predicted["changed"] is True
    assert predicted["tags"] == {"Name": "edge-01", "site": "lyon"}
    assert predicted["diff"]["after"]["tags"] == {"Name": "edge-01", "site": "lyon"}
    assert emulator.writes() == []

    applied = run_module(MODULE, args, emulator.env())
    assert applied["changed"] is True
    assert tags_of(emulator, host) == {"Name": "edge-01", "site": "lyon"}
    assert applied["instance"]["name"] == "edge-01"

    emulator.clear_calls()
    again = run_module(MODULE, args, emulator.env())
    assert again["changed"] is False
    assert emulator.writes() == []


def test_purge_keeps_the_name_and_drops_other_tags(emulator):
    _, [host] = register_hosts(emulator, 1)
    emulator.client("ssm").add_tags_to_resource(
        ResourceType="ManagedInstance",
        ResourceId=host,
        Tags=[{"Key": "Name", "Value": "edge"}, {"Key": "old", "Value": "x"}],
    )
    result = run_module(MODULE, {"instance_id": host, "tags": {"site": "oslo"}}, emulator.env())
    assert result["changed"] is True
    assert tags_of(emulator, host) == {"Name": "edge", "site": "oslo"}


def test_absent_deregisters_once(emulator):
    _, [host] = register_hosts(emulator, 1)
    emulator.clear_calls()

    predicted = run_module(MODULE, {"instance_id": host, "state": "absent"}, emulator.env(), check=True)
    assert predicted["changed"] is True
    assert emulator.writes() == []

    removed = run_module(MODULE, {"instance_id": host, "state": "absent"}, emulator.env(), diff=True)
    assert removed["changed"] is True
    assert removed["diff"]["after"] == {"state": "absent"}
    assert [c["operation"] for c in emulator.writes()] == ["DeregisterManagedInstance"]
    # From the emulator's state: a lookup by id of a deregistered instance may be refused (InvalidInstanceId).
    assert host not in [item["InstanceId"] for item in emulator.state()["managed_instances"]]

    emulator.clear_calls()
    again = run_module(MODULE, {"instance_id": host, "state": "absent"}, emulator.env())
    assert again["changed"] is False
    assert emulator.writes() == []


def test_unknown_and_malformed_ids_fail_naming_instance_id(emulator):
    [ghost] = unknown_instance_ids(1)
    unknown = run_module(MODULE, {"instance_id": ghost, "name": "x"}, emulator.env())
    assert unknown["failed"] and unknown["msg"].startswith(f"instance_id: SSM does not know {ghost}")
    malformed = run_module(MODULE, {"instance_id": "mi-12345", "state": "absent"}, emulator.env())
    assert malformed["failed"] and malformed["msg"].startswith("instance_id: 'mi-12345'")
    assert emulator.writes() == []


def test_correct_under_throttling_of_every_operation(emulator):
    _, [host] = register_hosts(emulator, 1)
    emulator.client("ssm").add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=host, Tags=[{"Key": "stale", "Value": "x"}]
    )
    emulator.set_faults(
        throttling(
            "ssm:DescribeInstanceInformation",
            "ssm:ListTagsForResource",
            "ssm:RemoveTagsFromResource",
            "ssm:AddTagsToResource",
        )
    )
    result = run_module(MODULE, {"instance_id": host, "name": "edge", "tags": {"a": "1"}}, emulator.env())
    assert not result.get("failed"), result.get("msg")
    assert_throttled(
        emulator,
        "ssm:DescribeInstanceInformation",
        "ssm:ListTagsForResource",
        "ssm:RemoveTagsFromResource",
        "ssm:AddTagsToResource",
    )
    emulator.clear_faults()
    assert tags_of(emulator, host) == {"Name": "edge", "a": "1"}
