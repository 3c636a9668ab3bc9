"""Batched container instance lookups (plugins/module_utils/container_instances.py) against a fake ECS client."""

import re

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils import container_instances


def mi(number):
    return f"mi-{number:017x}"


def arn(number):
    return f"arn:aws:ecs:us-east-1:123456789012:container-instance/edge/{number:032x}"


class FakeEcs:
    """ListContainerInstances (ec2InstanceId in [...] filter, pages) and DescribeContainerInstances (<= 100)."""

    def __init__(self, container_instances):
        self.by_arn = {c["containerInstanceArn"]: c for c in container_instances}
        self.list_calls = 0
        self.describe_calls = 0

    def list_container_instances(self, cluster, maxResults, filter=None, nextToken=None, aws_retry=False):
        assert aws_retry is True and maxResults <= 100
        self.list_calls += 1
        live = [c for c in self.by_arn.values() if c["status"] != "INACTIVE"]
        if filter:
            assert len(filter) <= 2000, "longer than any cluster query expression AWS documents"
            wanted = set(re.fullmatch(r"ec2InstanceId in \[(.*)\]", filter).group(1).split(", "))
            assert len(wanted) <= 100
            live = [c for c in live if c["ec2InstanceId"] in wanted]
        start = int(nextToken or 0)
        response = {"containerInstanceArns": [c["containerInstanceArn"] for c in live[start : start + maxResults]]}
        if start + maxResults < len(live):
            response["nextToken"] = str(start + maxResults)
        return response

    def describe_container_instances(self, cluster, containerInstances, aws_retry=False):
        assert aws_retry is True and len(containerInstances) <= 100
        self.describe_calls += 1
        return {
            "containerInstances": [self.by_arn[a] for a in containerInstances if a in self.by_arn],
            "failures": [{"arn": a, "reason": "MISSING"} for a in containerInstances if a not in self.by_arn],
        }


def cluster_of(count, status="ACTIVE"):
    return [
        {
            "containerInstanceArn": arn(n),
            "ec2InstanceId": mi(n),
            "status": status,
            "agentConnected": True,
            "runningTasksCount": n % 3,
            "pendingTasksCount": 0,
            "versionInfo": {"agentVersion": "1.90.0"},
        }
        for n in range(count)
    ]


def test_500_ids_take_6_list_and_5_describe_calls():
    ecs = FakeEcs(cluster_of(500))
    found, missing = container_instances.lookup(ecs, "edge", instance_ids=[mi(n) for n in range(500)])
    assert len(found) == 500 and missing == []
    # 90 ids per filter keep it within 2,000 characters; 100 would make 2,217.
    assert (ecs.list_calls, ecs.describe_calls) == (6, 5)


def test_each_filter_stays_within_the_length_aws_documents_for_an_expression():
    ids = [mi(n) for n in range(250)]
    chunks = container_instances.filter_chunks(ids)
    assert [len(chunk) for chunk in chunks] == [90, 90, 70]
    assert max(len(container_instances.instance_id_filter(chunk)) for chunk in chunks) <= 2000
    assert [i for chunk in chunks for i in chunk] == ids
    assert len(container_instances.instance_id_filter(ids[:100])) > 2000
    assert container_instances.filter_chunks(ids, most=10)[0] == ids[:10]


def test_by_mi_id_the_connected_newest_live_container_instance_wins():
    old = dict(cluster_of(2)[1], agentConnected=False, registeredAt="2026-01-01T00:00:00")
    new = dict(cluster_of(3)[2], ec2InstanceId=mi(1), registeredAt="2026-02-01T00:00:00")
    found = [container_instances.format_container_instance(item) for item in (new, old)]
    for order in (found, found[::-1]):
        assert container_instances.live_by_reference(order, [mi(1)])[mi(1)]["arn"] == new["containerInstanceArn"]


def test_missing_ids_and_arns_and_status_applied_after_lookup():
    instances = cluster_of(3)
    instances[1]["status"] = "DRAINING"
    ecs = FakeEcs(instances)
    found, missing = container_instances.lookup(
        ecs, "edge", instance_ids=[mi(0), mi(1), mi(50)], arns=[arn(2), arn(77)], status=["ACTIVE"]
    )
    assert sorted(c["ec2_instance_id"] for c in found) == [mi(0), mi(2)]
    assert missing == [mi(50), arn(77)]


def test_documented_keys_and_whole_cluster_listing():
    ecs = FakeEcs(cluster_of(150))
    found, missing = container_instances.lookup(ecs, "edge")
    assert len(found) == 150 and missing == []
    assert (ecs.list_calls, ecs.describe_calls) == (2, 2)
    assert found[1] == {
        "arn": arn(1),
        "ec2_instance_id": mi(1),
        "status": "ACTIVE",
        "agent_connected": True,
        "running_tasks_count": 1,
        "pending_tasks_count": 0,
        "agent_version": "1.90.0",
        "registered_at": None,
    }


def test_live_by_reference_matches_ids_and_either_arn_format_and_skips_inactive():
    instances = cluster_of(4)
    instances[3]["status"] = "INACTIVE"
    found = [container_instances.format_container_instance(c) for c in instances]
    old_format = f"arn:aws:ecs:us-east-1:123456789012:container-instance/{2:032x}"
    references = [mi(0), arn(1), old_format, mi(3), arn(3), mi(9)]
    live = container_instances.live_by_reference(found, references)
    assert list(live) == references
    assert [live[r]["arn"] if live[r] else None for r in references] == [arn(0), arn(1), arn(2), None, None, None]
