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
    ssm.tags = {mi(7): {"Name": "host-7"}, mi(8): {"Name": "other"}}
    ssm.calls.clear()
    instances, _ = managed_instances.lookup(ssm, activation_ids=["a"], name="host-7")
    assert [i["instance_id"] for i in instances] == [mi(7)]
    # The name is the Name tag (a tag filter), not what SSM reports as Name.
    assert ssm.calls == [[{"Key": "tag:Name", "Values": ["host-7"]}]]
    assert managed_instances.lookup(ssm, name="host-8")[0] == []


class RefusingSsm(FakeSsm):
    """SSM as it may answer: a whole InstanceIds call refused for one id it does not know."""

    def __init__(self, instances, names_the_ids=True):
        super().__init__(instances)
        self.names_the_ids = names_the_ids

    def describe_instance_information(self, Filters, MaxResults, NextToken=None, aws_retry=False):
        known = {item["InstanceId"] for item in self.instances}
        for flt in Filters:
            unknown = [value for value in flt["Values"] if flt["Key"] == "InstanceIds" and value not in known]
            if unknown:
                self.calls.append(Filters)
                message = f"Instance Ids {unknown} are not valid" if self.names_the_ids else "Invalid instance id"
                raise FakeClientError("InvalidInstanceId", message)
        return super().describe_instance_information(Filters, MaxResults, NextToken, aws_retry)


class FakeClientError(Exception):
    def __init__(self, code, message):
        super().__init__(f"An error occurred ({code}): {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


def test_ids_ssm_refuses_to_look_up_are_missing_not_fatal():
    ssm = RefusingSsm(fleet(100))
    wanted = [mi(n) for n in range(100)] + [mi(900), mi(901)]
    instances, missing = managed_instances.lookup(ssm, instance_ids=wanted)
    assert len(instances) == 100 and missing == [mi(900), mi(901)]
    # Two chunks of 50 known ids, one of the two unknown ones, refused naming them: no call more.
    assert len(ssm.calls) == 3
    mixed = RefusingSsm(fleet(100))
    instances, missing = managed_instances.lookup(mixed, instance_ids=[mi(900)] + [mi(n) for n in range(60)])
    assert len(instances) == 60 and missing == [mi(900)]
    # The chunk holding the unknown id is asked again without it: one call more.
    assert len(mixed.calls) == 3


def test_unnamed_unknown_ids_are_found_by_halving():
    ssm = RefusingSsm(fleet(50), names_the_ids=False)
    wanted = [mi(n) for n in range(49)] + [mi(900)]
    instances, missing = managed_instances.lookup(ssm, instance_ids=wanted)
    assert len(instances) == 49 and missing == [mi(900)]
    assert len(ssm.calls) <= 2 * 6 + 1  # log2(50) levels, two calls each


def test_other_errors_are_raised():
    class Failing(FakeSsm):
        def describe_instance_information(self, **kwargs):
            raise FakeClientError("AccessDeniedException", "no")

    try:
        managed_instances.lookup(Failing([]), instance_ids=[mi(1)])
    except FakeClientError as error:
        assert "AccessDenied" in str(error)
    else:
        raise AssertionError("AccessDeniedException was swallowed")


def test_a_tag_may_take_a_list_of_values_100_per_call():
    ssm = FakeSsm(fleet(250), tags={mi(n): {"mark": f"m{n}"} for n in range(250)})
    instances, _ = managed_instances.lookup(ssm, tags={"mark": [f"m{n}" for n in range(0, 250, 2)] + ["nothing"]})
    assert sorted(i["instance_id"] for i in instances) == [mi(n) for n in range(0, 250, 2)]
    assert [len(call[0]["Values"]) for call in ssm.calls] == [100, 100, 26]
