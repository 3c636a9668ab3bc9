"""managed_instance with `instances` against the emulator: one run for many hosts, batched lookups."""

import pytest

from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import assert_throttled, register_hosts, throttling, unknown_instance_ids

MODULE = "onprem.ecs_anywhere.managed_instance"


def tags_of(emulator, instance_id):
    response = emulator.client("ssm").list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=instance_id)
    return {tag["Key"]: tag["Value"] for tag in response["TagList"]}


def tag(emulator, instance_id, tags):
    emulator.client("ssm").add_tags_to_resource(
        ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )


def count(emulator, operation):
    return len(emulator.calls(service="ssm", operation=operation))


def registered(emulator, instance_id):
    # From the emulator's state: a lookup by id of a deregistered instance may be refused (InvalidInstanceId).
    return instance_id in [item["InstanceId"] for item in emulator.state()["managed_instances"]]


def refusals(emulator):
    """Lookup calls SSM adds when it refuses an InstanceIds call for an id it does not know (and the
    module asks again without it): 1 under the emulator's strict choice, else 0."""
    return 1 if emulator.config()["unknown_instance_id"] == "error" else 0


def test_naming_12_new_instances_then_nothing_to_do(emulator):
    _, hosts = register_hosts(emulator, 12)
    names = [f"edge-{number:02d}" for number in range(12)]
    args = {
        "instances": [{"instance_id": host, "name": name} for host, name in zip(hosts, names, strict=True)],
        "tags": {"site": "lyon"},
    }
    emulator.clear_calls()

    predicted = run_module(MODULE, args, emulator.env(), check=True, diff=True)
    assert predicted["changed"] is True
    assert emulator.writes() == []
    assert [entry["instance_id"] for entry in predicted["instances"]] == hosts
    assert all(entry["changed"] for entry in predicted["instances"])
    assert [entry["name"] for entry in predicted["instances"]] == names
    assert [entry["tags"] for entry in predicted["instances"]] == [{"Name": name, "site": "lyon"} for name in names]
    assert predicted["diff"]["after"][hosts[5]] == {"tags": {"Name": "edge-05", "site": "lyon"}}
    assert predicted["diff"]["before"][hosts[5]] == {"tags": {}}
    assert "instance" not in predicted and "tags" not in predicted

    emulator.clear_calls()
    applied = run_module(MODULE, args, emulator.env())
    assert applied["changed"] is True
    assert [entry["name"] for entry in applied["instances"]] == names
    # One lookup for all 12 (50 ids a call); tags are one call per instance, SSM has no batched form.
    assert count(emulator, "DescribeInstanceInformation") == 1
    assert count(emulator, "ListTagsForResource") == 12
    assert count(emulator, "AddTagsToResource") == 12
    assert [c["operation"] for c in emulator.writes()] == ["AddTagsToResource"] * 12
    assert [tags_of(emulator, host) for host in hosts] == [{"Name": name, "site": "lyon"} for name in names]

    emulator.clear_calls()
    again = run_module(MODULE, args, emulator.env())
    assert again["changed"] is False
    assert not any(entry["changed"] for entry in again["instances"])
    assert emulator.writes() == []
    assert count(emulator, "DescribeInstanceInformation") == 1


def test_own_tags_replace_the_shared_ones_and_purge_keeps_names(emulator):
    _, hosts = register_hosts(emulator, 4)
    tag(emulator, hosts[0], {"Name": "a", "old": "x"})
    tag(emulator, hosts[1], {"old": "x"})
    tag(emulator, hosts[2], {"site": "lyon"})
    emulator.clear_calls()
    result = run_module(
        MODULE,
        {
            "instances": [
                {"instance_id": hosts[0], "tags": {"role": "db"}},
                {"instance_id": hosts[1], "name": "b"},
                {"instance_id": hosts[2]},
            ],
            "tags": {"site": "lyon"},
        },
        emulator.env(),
    )
    assert not result.get("failed"), result.get("msg")
    assert [entry["changed"] for entry in result["instances"]] == [True, True, False]
    assert [entry["name"] for entry in result["instances"]] == ["a", "b", ""]
    writes = [(c["operation"]) for c in emulator.writes()]
    assert sorted(writes) == sorted(["RemoveTagsFromResource", "AddTagsToResource"] * 2)
    assert tags_of(emulator, hosts[0]) == {"Name": "a", "role": "db"}
    assert tags_of(emulator, hosts[1]) == {"Name": "b", "site": "lyon"}
    assert tags_of(emulator, hosts[2]) == {"site": "lyon"}

    # Neither a name nor tags: tags are not read at all.
    emulator.clear_calls()
    untouched = run_module(MODULE, {"instances": [{"instance_id": hosts[3]}]}, emulator.env())
    assert untouched["changed"] is False
    assert untouched["instances"] == [{"instance_id": hosts[3], "changed": False, "name": "", "tags": None}]
    assert [c["operation"] for c in emulator.calls()] == ["DescribeInstanceInformation"]


@pytest.mark.parametrize("size", [3, 12])
def test_absent_deregisters_each_and_leaves_unknown_ids_alone(emulator, size):
    _, hosts = register_hosts(emulator, size)
    ghosts = unknown_instance_ids(2)
    ids = [ghosts[0], *hosts[: size // 2], ghosts[1], *hosts[size // 2 :]]
    args = {"instances": [{"instance_id": i} for i in ids], "state": "absent"}
    emulator.clear_calls()

    predicted = run_module(MODULE, args, emulator.env(), check=True, diff=True)
    assert predicted["changed"] is True
    assert emulator.writes() == []
    assert [entry["changed"] for entry in predicted["instances"]] == [i not in ghosts for i in ids]
    assert predicted["diff"]["before"][ghosts[0]] == {"state": "absent"}
    assert predicted["diff"]["before"][hosts[0]] == {"state": "present"}
    assert all(registered(emulator, host) for host in hosts)

    emulator.clear_calls()
    removed = run_module(MODULE, args, emulator.env())
    assert removed["changed"] is True
    assert [entry["instance_id"] for entry in removed["instances"]] == ids
    assert [entry["changed"] for entry in removed["instances"]] == [i not in ghosts for i in ids]
    assert count(emulator, "DescribeInstanceInformation") == 1 + refusals(emulator)
    assert [c["operation"] for c in emulator.writes()] == ["DeregisterManagedInstance"] * size
    assert not any(registered(emulator, host) for host in hosts)

    emulator.clear_calls()
    again = run_module(MODULE, args, emulator.env())
    assert again["changed"] is False
    assert emulator.writes() == []


def test_unknown_ids_under_present_fail_before_any_write(emulator):
    _, hosts = register_hosts(emulator, 2)
    ghosts = unknown_instance_ids(2)
    emulator.clear_calls()
    result = run_module(
        MODULE,
        {
            "instances": [
                {"instance_id": hosts[0], "name": "a"},
                {"instance_id": ghosts[0], "name": "b"},
                {"instance_id": hosts[1], "name": "c"},
                {"instance_id": ghosts[1], "name": "d"},
            ]
        },
        emulator.env(),
    )
    assert result["failed"]
    assert result["msg"] == (
        f"instances: SSM does not know {ghosts[0]}, {ghosts[1]} (never registered, or deregistered)"
    )
    assert [c["operation"] for c in emulator.calls()] == ["DescribeInstanceInformation"] * (1 + refusals(emulator))
    assert tags_of(emulator, hosts[0]) == {}


def test_bad_input_is_named_by_position_before_any_call(emulator):
    _, hosts = register_hosts(emulator, 2)
    emulator.clear_calls()
    result = run_module(
        MODULE,
        {
            "instances": [
                {"instance_id": hosts[0], "name": "a"},
                {"instance_id": hosts[1], "name": "b", "tags": {"Name": "c"}},
                {"instance_id": "mi-1"},
                {"instance_id": hosts[0]},
                {"instance_id": "mi-0123456789abcdef0", "tags": {"aws:x": "1"}},
            ],
            "name": "everyone",
        },
        emulator.env(),
    )
    assert result["failed"]
    assert result["msg"] == "; ".join(
        [
            "name: cannot be used with instances, as names differ per instance; "
            "give each element of instances its own name",
            "instances[1].tags: the Name tag ('c') contradicts instances[1].name ('b'); set only instances[1].name",
            "instances[2].instance_id: 'mi-1' is not a managed instance id (mi- followed by 17 lowercase hex digits)",
            "instances[4].tags: tag key 'aws:x' starts with 'aws:', which AWS reserves",
            f"instances: {hosts[0]} is given more than once (instances[0], instances[3]); give each instance once",
        ]
    )
    both = run_module(MODULE, {"instance_id": hosts[0], "instances": [{"instance_id": hosts[1]}]}, emulator.env())
    assert both["failed"] and "mutually exclusive" in both["msg"]
    neither = run_module(MODULE, {"name": "x"}, emulator.env())
    assert neither["failed"] and "instance_id, instances" in neither["msg"]
    nulls = run_module(MODULE, {"instances": None}, emulator.env())
    assert nulls["failed"] and nulls["msg"] == "instance_id: one of instance_id and instances is required"
    assert emulator.calls() == []


def test_batch_correct_under_throttling(emulator):
    _, hosts = register_hosts(emulator, 6)
    for host in hosts:
        tag(emulator, host, {"stale": "x"})
    emulator.set_faults(
        throttling(
            "ssm:DescribeInstanceInformation",
            "ssm:ListTagsForResource",
            "ssm:RemoveTagsFromResource",
            "ssm:AddTagsToResource",
        )
    )
    result = run_module(
        MODULE,
        {"instances": [{"instance_id": h, "name": f"n{i}"} for i, h in enumerate(hosts)], "tags": {"a": "1"}},
        emulator.env(),
    )
    assert not result.get("failed"), result.get("msg")
    assert_throttled(
        emulator,
        "ssm:DescribeInstanceInformation",
        "ssm:ListTagsForResource",
        "ssm:RemoveTagsFromResource",
        "ssm:AddTagsToResource",
    )
    emulator.clear_faults()
    assert [tags_of(emulator, h) for h in hosts] == [{"Name": f"n{i}", "a": "1"} for i in range(len(hosts))]
