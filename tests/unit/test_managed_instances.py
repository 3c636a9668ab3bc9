"""Batched managed instance lookups (plugins/module_utils/managed_instances.py) against a fake SSM client."""

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import managed_instances


def mi(number):
    return f"mi-{number:017x}"


class FakeSsm:
    """DescribeInstanceInformation with string filters, MaxResults and NextToken, as SSM documents it."""

    def __init__(self, instances, tags=None):
        self.instances = instances
        self.tags = tags or {}
        self.calls = []

    def _matches(self, item, flt):
        key, values = flt["Key"], flt["Values"]
        if key.startswith("tag:"):
            return self.tags.get(item["InstanceId"], {}).get(key[4:]) in values
        field = {"InstanceIds": "InstanceId", "ActivationIds": "ActivationId"}.get(key, key)
        return item.get(field) in values

    def describe_instance_information(self, Filters, MaxResults, NextToken=None, aws_retry=False):
        assert aws_retry is True
        assert 5 <= MaxResults <= 50
        for flt in Filters:
            assert 1 <= len(flt["Values"]) <= 100
        kinds = {f["Key"].startswith("tag:") for f in Filters}
        assert len(kinds) <= 1, "SSM refuses tag filters mixed with other filters"
        self.calls.append(Filters)
        found = [i for i in self.instances if all(self._matches(i, f) for f in Filters)]
        start = int(NextToken or 0)
        page = found[start : start + MaxResults]
        response = {"InstanceInformationList": page}
        if start + MaxResults < len(found):
            response["NextToken"] = str(start + MaxResults)
        return response


def fleet(count, activation="act-1", ping="Online"):
    return [
        {
            "InstanceId": mi(n),
            "Name": f"host-{n}",
            "PingStatus": ping,
            "ActivationId": activation,
            "ResourceType": "ManagedInstance",
            "IPAddress": "192.0.2.1",
        }
        for n in range(count)
    ]


def test_500_ids_take_one_call_per_50():
    ssm = FakeSsm(fleet(500))
    instances, missing = managed_instances.lookup(ssm, instance_ids=[mi(n) for n in range(500)])
    assert len(instances) == 500 and missing == []
    assert len(ssm.calls) == 10


def test_unknown_ids_are_missing_not_filtered_out_ones():
    ssm = FakeSsm(fleet(3))
    ssm.instances[1]["PingStatus"] = "ConnectionLost"
    asked = [mi(0), mi(1), mi(99)]
    instances, missing = managed_instances.lookup(ssm, instance_ids=asked, ping_status=["Online"])
    assert [i["instance_id"] for i in instances] == [mi(0)]
    assert missing == [mi(99)]


def test_returned_keys_are_the_documented_ones():
    ssm = FakeSsm(fleet(1))
    [instance], _ = managed_instances.lookup(ssm, instance_ids=[mi(0)])
    assert instance["ip_address"] == "192.0.2.1" and instance["name"] == "host-0"
    assert set(instance) == {
        "instance_id", "name", "ping_status", "last_ping_date_time", "computer_name", "ip_address",
        "activation_id", "iam_role", "registration_date", "agent_version", "platform_type",
        "platform_name", "platform_version", "resource_type",
    }  # fmt: skip


def test_tags_are_queried_alone_and_intersected_with_ids():
    ssm = FakeSsm(fleet(4), tags={mi(0): {"site": "lyon"}, mi(2): {"site": "lyon"}, mi(3): {"site": "oslo"}})
    instances, missing = managed_instances.lookup(ssm, instance_ids=[mi(0), mi(1), mi(7)], tags={"site": "lyon"})
    assert [i["instance_id"] for i in instances] == [mi(0)]
    assert missing == [mi(7)]
    instances, missing = managed_instances.lookup(ssm, tags={"site": "lyon"})
    assert sorted(i["instance_id"] for i in instances) == [mi(0), mi(2)] and missing == []


def test_activation_and_name_filters_without_ids_page_through_everything():
    ssm = FakeSsm(fleet(120, activation="a") + fleet(3, activation="b"))
    instances, _ = managed_instances.lookup(ssm, activation_ids=["a"])
    assert len(instances) == 120
    assert len(ssm.calls) == 3
    instances, _ = managed_instances.lookup(ssm, activation_ids=["a"], name="host-7")
    assert [i["instance_id"] for i in instances] == [mi(7)]
