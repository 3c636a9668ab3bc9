"""The lookups the ecs_anywhere inventory plugin makes (module_utils managed_instances and container_instances):
filtered DescribeInstanceInformation, tags 100 a GetResources call, every cluster 100 a ListClusters call."""

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import container_instances, managed_instances


def mi(number):
    return f"mi-{number:017x}"


def instance(number, ping="Online", platform="Linux"):
    return {
        "InstanceId": mi(number),
        "PingStatus": ping,
        "PlatformType": platform,
        "ResourceType": "ManagedInstance",
    }


class FakeSsm:
    """DescribeInstanceInformation as SSM answers it: tag filters beside others refused, pages of MaxResults."""

    def __init__(self, instances, tags):
        self.instances = instances
        self.tags = tags
        self.calls = []

    def _matches(self, item, key, values):
        tags = self.tags.get(item["InstanceId"], {})
        if key.startswith("tag:"):
            return tags.get(key[4:]) in values
        if key == "tag-key":
            return any(value in tags for value in values)
        return item.get(managed_instances.FILTER_FIELDS[key]) in values

    def describe_instance_information(self, Filters, MaxResults, NextToken=None, aws_retry=False):
        assert aws_retry is True and MaxResults == 50
        kinds = {managed_instances.is_tag_filter(f["Key"]) for f in Filters}
        assert len(kinds) == 1, "SSM refuses tag filters beside other filters"
        self.calls.append({f["Key"]: f["Values"] for f in Filters})
        found = [i for i in self.instances if all(self._matches(i, f["Key"], f["Values"]) for f in Filters)]
        start = int(NextToken or 0)
        response = {"InstanceInformationList": found[start : start + MaxResults]}
        if start + MaxResults < len(found):
            response["NextToken"] = str(start + MaxResults)
        return response


def fleet():
    instances = [instance(n, ping="Online" if n % 2 else "ConnectionLost") for n in range(120)]
    instances.append({**instance(500), "ResourceType": "EC2Instance"})
    tags = {mi(n): {"site": "lyon" if n < 60 else "paris"} for n in range(120)}
    return instances, tags


def test_without_tag_filters_every_filter_is_sent_with_the_resource_type():
    ssm = FakeSsm(*fleet())
    found = managed_instances.describe_managed_instances(ssm, {"PingStatus": ["Online"]})
    assert sorted(i["InstanceId"] for i in found) == [mi(n) for n in range(1, 120, 2)]
    assert ssm.calls == [{"PingStatus": ["Online"], "ResourceType": ["ManagedInstance"]}] * 2  # 60 found, 50 a page


def test_with_tag_filters_only_they_are_sent_and_the_others_applied_to_the_answer():
    ssm = FakeSsm(*fleet())
    found = managed_instances.describe_managed_instances(ssm, {"tag:site": ["lyon"], "PingStatus": ["Online"]})
    assert sorted(i["InstanceId"] for i in found) == [mi(n) for n in range(1, 60, 2)]
    assert ssm.calls == [{"tag:site": ["lyon"]}] * 2
    # The resource type is applied too: an EC2 instance with the tag is left out.
    ssm.tags[mi(500)] = {"site": "lyon"}
    found = managed_instances.describe_managed_instances(ssm, {"tag:site": ["lyon"]})
    assert mi(500) not in [i["InstanceId"] for i in found]
    assert len(found) == 60


def test_overlapping_pages_give_each_instance_once():
    instances, tags = fleet()
    ssm = FakeSsm(instances + instances[:3], tags)
    found = managed_instances.describe_managed_instances(ssm)
    assert len(found) == 120


class FakeTagging:
    """GetResources with a ResourceARNList: at most 100 ARNs, instances never tagged left out."""

    def __init__(self, tags, page=None):
        self.tags = tags
        self.page = page
        self.calls = []

    def get_resources(self, ResourceARNList, PaginationToken=None, aws_retry=False):
        assert aws_retry is True and 1 <= len(ResourceARNList) <= 100
        self.calls.append((len(ResourceARNList), PaginationToken))
        mappings = [
            {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in self.tags[arn.rsplit("/", 1)[-1]].items()]}
            for arn in ResourceARNList
            if arn.rsplit("/", 1)[-1] in self.tags
        ]
        if self.page is None:
            return {"ResourceTagMappingList": mappings, "PaginationToken": ""}
        start = int(PaginationToken or 0)
        token = str(start + self.page) if start + self.page < len(mappings) else ""
        return {"ResourceTagMappingList": mappings[start : start + self.page], "PaginationToken": token}


def test_tags_of_250_instances_take_3_calls_and_untagged_ones_get_none():
    ids = [mi(n) for n in range(250)]
    tagging = FakeTagging({mi(n): {"Name": f"edge-{n}"} for n in range(0, 250, 2)})
    tags = managed_instances.read_tags(tagging, "eu-west-1", "123456789012", ids)
    assert [size for size, _ in tagging.calls] == [100, 100, 50]
    assert tags[mi(4)] == {"Name": "edge-4"}
    assert tags[mi(5)] == {}
    assert list(tags) == ids


def test_tags_follow_pages_and_the_arns_name_the_partition():
    tagging = FakeTagging({mi(n): {"site": "x"} for n in range(30)}, page=20)
    tags = managed_instances.read_tags(tagging, "cn-north-1", "123456789012", [mi(n) for n in range(30)])
    assert all(value == {"site": "x"} for value in tags.values())
    assert tagging.calls == [(30, None), (30, "20")]
    assert (
        managed_instances.managed_instance_arn("cn-north-1", "123456789012", mi(1))
        == f"arn:aws-cn:ssm:cn-north-1:123456789012:managed-instance/{mi(1)}"
    )


class FakeEcsClusters:
    def __init__(self, count):
        self.arns = [f"arn:aws:ecs:us-east-1:123456789012:cluster/c{n}" for n in range(count)]
        self.calls = 0

    def list_clusters(self, maxResults, nextToken=None, aws_retry=False):
        assert aws_retry is True and maxResults <= 100
        self.calls += 1
        start = int(nextToken or 0)
        response = {"clusterArns": self.arns[start : start + maxResults]}
        if start + maxResults < len(self.arns):
            response["nextToken"] = str(start + maxResults)
        return response


@pytest.mark.parametrize(("count", "calls"), [(0, 1), (100, 1), (101, 2), (250, 3)])
def test_every_cluster_100_a_call(count, calls):
    ecs = FakeEcsClusters(count)
    assert container_instances.list_cluster_arns(ecs) == ecs.arns
    assert ecs.calls == calls
