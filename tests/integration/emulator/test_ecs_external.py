"""ECS external container instances (ECS Anywhere) as the emulator adds them."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.world import (
    ECS_AGENT_USER_AGENT,
    assert_required_members,
    create_role,
    output_shape,
    register,
)


@pytest.fixture
def world(emulator):
    """A cluster `edge` and three registered managed instances."""
    create_role(emulator)
    activation = emulator.client("ssm").create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=3)
    instance_ids = [register(emulator, activation) for _ in range(3)]
    emulator.client("ecs").create_cluster(clusterName="edge")
    return instance_ids


def agent_ecs(emulator):
    return emulator.client("ecs", user_agent=ECS_AGENT_USER_AGENT)


def register_instance(emulator, instance_id: str, cluster: str = "edge", **extra) -> dict:
    document = json.dumps({"instanceId": instance_id, "region": "us-east-1"})
    return agent_ecs(emulator).register_container_instance(
        cluster=cluster, instanceIdentityDocument=document, instanceIdentityDocumentSignature="", **extra
    )["containerInstance"]


def test_register_external_instance(emulator, world):
    instance = register_instance(emulator, world[0], versionInfo={"agentVersion": "1.90.0"})
    assert instance["ec2InstanceId"] == world[0]
    assert instance["containerInstanceArn"].startswith("arn:aws:ecs:us-east-1:123456789012:container-instance/edge/")
    assert (instance["status"], instance["agentConnected"], instance["runningTasksCount"]) == ("ACTIVE", True, 0)
    ecs = emulator.client("ecs")
    described = ecs.describe_container_instances(cluster="edge", containerInstances=[instance["containerInstanceArn"]])
    assert_required_members(output_shape("ecs", "DescribeContainerInstances"), described)
    assert described["containerInstances"][0]["versionInfo"] == {"agentVersion": "1.90.0"}
    assert ecs.describe_clusters(clusters=["edge"])["clusters"][0]["registeredContainerInstancesCount"] == 1
    (call,) = emulator.calls(service="ecs", operation="RegisterContainerInstance", agent=True)
    assert call["write"] is True


def test_restart_with_saved_arn_keeps_the_instance(emulator, world):
    first = register_instance(emulator, world[0])
    restarted = register_instance(emulator, world[0], containerInstanceArn=first["containerInstanceArn"])
    assert first["containerInstanceArn"] == restarted["containerInstanceArn"]
    assert len(emulator.client("ecs").list_container_instances(cluster="edge")["containerInstanceArns"]) == 1


def test_restart_after_an_upgrade_reports_the_new_agent_version(emulator, world):
    emulator.set_ping_timeout(0.5)
    old = {"agentVersion": "1.89.2", "agentHash": "a1", "dockerVersion": "DockerVersion: 20.10"}
    first = register_instance(emulator, world[0], versionInfo=old)
    arn = first["containerInstanceArn"]
    time.sleep(0.7)
    ecs = emulator.client("ecs")

    def described():
        return ecs.describe_container_instances(cluster="edge", containerInstances=[arn])["containerInstances"][0]

    assert described()["agentConnected"] is False
    new = {**old, "agentVersion": "1.90.0", "agentHash": "b2"}
    restarted = register_instance(emulator, world[0], containerInstanceArn=arn, versionInfo=new)
    assert restarted["versionInfo"] == new
    now = described()
    # The re-registration is the agent's contact, and the new version is a change of the instance.
    assert (now["versionInfo"], now["agentConnected"], now["version"]) == (new, True, first["version"] + 1)
    # A restart without versionInfo leaves the version as it was.
    register_instance(emulator, world[0], containerInstanceArn=arn)
    assert described()["versionInfo"] == new


def test_agent_that_lost_its_data_registers_a_second_instance(emulator, world):
    """No containerInstanceArn in the request: AWS registers anew; the old instance stays ACTIVE, unheard."""
    emulator.set_ping_timeout(1)
    first = register_instance(emulator, world[0])["containerInstanceArn"]
    second = register_instance(emulator, world[0])["containerInstanceArn"]
    assert second != first
    ecs = emulator.client("ecs")
    assert ecs.list_container_instances(cluster="edge")["containerInstanceArns"] == [first, second]
    assert ecs.describe_clusters(clusters=["edge"])["clusters"][0]["registeredContainerInstancesCount"] == 2

    def described():
        found = ecs.describe_container_instances(cluster="edge", containerInstances=[first, second])
        return {i["containerInstanceArn"]: i for i in found["containerInstances"]}

    assert {arn: (i["ec2InstanceId"], i["status"]) for arn, i in described().items()} == {
        first: (world[0], "ACTIVE"),
        second: (world[0], "ACTIVE"),
    }
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        agent_ecs(emulator).discover_poll_endpoint(containerInstance=second, cluster="edge")
        time.sleep(0.25)
    after = described()
    assert (after[first]["status"], after[first]["agentConnected"]) == ("ACTIVE", False)
    assert (after[second]["status"], after[second]["agentConnected"]) == ("ACTIVE", True)


def test_register_refuses_unknown_managed_instance_and_cluster(emulator, world):
    with pytest.raises(ClientError) as excinfo:
        register_instance(emulator, "mi-0123456789abcdef0")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        register_instance(emulator, world[0], cluster="nowhere")
    assert excinfo.value.response["Error"]["Code"] == "ClusterNotFoundException"


def test_list_filters_by_ec2_instance_id_and_status(emulator, world):
    arns = [register_instance(emulator, i)["containerInstanceArn"] for i in world]
    ecs = emulator.client("ecs")

    def listed(**kwargs):
        return ecs.list_container_instances(cluster="edge", **kwargs)["containerInstanceArns"]

    assert listed() == arns
    assert listed(filter=f"ec2InstanceId == {world[1]}") == [arns[1]]
    assert listed(filter=f"ec2InstanceId in [{world[0]}, {world[2]}]") == [arns[0], arns[2]]
    ecs.update_container_instances_state(cluster="edge", containerInstances=[arns[1]], status="DRAINING")
    assert listed(status="DRAINING") == [arns[1]]
    assert listed(status="ACTIVE") == [arns[0], arns[2]]
    with pytest.raises(ClientError) as excinfo:
        listed(filter="attribute:ecs.os-type == linux")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"


def test_list_paginates(emulator, world):
    arns = [register_instance(emulator, i)["containerInstanceArn"] for i in world]
    pages = list(
        emulator.client("ecs")
        .get_paginator("list_container_instances")
        .paginate(cluster="edge", PaginationConfig={"PageSize": 2})
    )
    assert [p["containerInstanceArns"] for p in pages] == [arns[:2], arns[2:]]


def test_describe_reports_missing(emulator, world):
    arn = register_instance(emulator, world[0])["containerInstanceArn"]
    result = emulator.client("ecs").describe_container_instances(
        cluster="edge", containerInstances=[arn, "0123456789abcdef0123456789abcdef"]
    )
    assert [i["containerInstanceArn"] for i in result["containerInstances"]] == [arn]
    assert result["failures"] == [{"arn": "0123456789abcdef0123456789abcdef", "reason": "MISSING"}]


def test_drain_and_deregister_with_running_tasks(emulator, world):
    arn = register_instance(emulator, world[0])["containerInstanceArn"]
    ecs = emulator.client("ecs")
    emulator.set_running_tasks("edge", arn, 2)
    drained = ecs.update_container_instances_state(cluster="edge", containerInstances=[arn], status="DRAINING")
    assert drained["containerInstances"][0]["status"] == "DRAINING"
    assert drained["containerInstances"][0]["runningTasksCount"] == 2
    with pytest.raises(ClientError) as excinfo:
        ecs.deregister_container_instance(cluster="edge", containerInstance=arn)
    assert "running tasks" in str(excinfo.value)
    emulator.set_running_tasks("edge", arn, 0)
    gone = ecs.deregister_container_instance(cluster="edge", containerInstance=arn)["containerInstance"]
    assert gone["status"] == "INACTIVE"
    assert ecs.list_container_instances(cluster="edge")["containerInstanceArns"] == []
    assert ecs.describe_clusters(clusters=["edge"])["clusters"][0]["registeredContainerInstancesCount"] == 0
    # A deregistered instance cannot come back under its old ARN; a fresh registration gets a new one.
    with pytest.raises(ClientError) as excinfo:
        register_instance(emulator, world[0], containerInstanceArn=arn)
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    assert register_instance(emulator, world[0])["containerInstanceArn"] != arn


def test_force_deregister(emulator, world):
    arn = register_instance(emulator, world[0])["containerInstanceArn"]
    emulator.set_running_tasks("edge", arn, 1)
    ecs = emulator.client("ecs")
    assert (
        ecs.deregister_container_instance(cluster="edge", containerInstance=arn, force=True)["containerInstance"][
            "status"
        ]
        == "INACTIVE"
    )


def test_agent_connected_follows_poll(emulator, world):
    arn = register_instance(emulator, world[0])["containerInstanceArn"]
    ecs = emulator.client("ecs")

    def connected():
        return ecs.describe_container_instances(cluster="edge", containerInstances=[arn])["containerInstances"][0][
            "agentConnected"
        ]

    emulator.set_ping_timeout(0.5)
    time.sleep(0.7)
    assert connected() is False
    endpoint = agent_ecs(emulator).discover_poll_endpoint(containerInstance=arn, cluster="edge")
    assert endpoint["endpoint"] == emulator.url
    assert connected() is True
    (poll,) = emulator.calls(operation="DiscoverPollEndpoint", agent=True)
    assert poll["write"] is False


def test_same_instance_in_two_clusters_is_two_registrations(emulator, world):
    emulator.client("ecs").create_cluster(clusterName="other")
    first = register_instance(emulator, world[0])["containerInstanceArn"]
    second = register_instance(emulator, world[0], cluster="other")["containerInstanceArn"]
    assert "/edge/" in first and "/other/" in second
    state = emulator.state()["container_instances"]
    assert sorted(state) == ["edge", "other"]


def test_clusters_always_report_capacity_provider_lists(emulator):
    """As AWS does; community.aws.ecs_cluster reads both keys of an existing cluster."""
    ecs = emulator.client("ecs")
    created = ecs.create_cluster(clusterName="plain")["cluster"]
    described = ecs.describe_clusters(clusters=["plain"])["clusters"][0]
    for cluster in (created, described):
        assert cluster["capacityProviders"] == []
        assert cluster["defaultCapacityProviderStrategy"] == []


def test_state_update_takes_at_most_ten_instances(emulator):
    create_role(emulator)
    activation = emulator.client("ssm").create_activation(IamRole="ecsAnywhereRole", RegistrationLimit=11)
    emulator.client("ecs").create_cluster(clusterName="edge")
    arns = [register_instance(emulator, register(emulator, activation))["containerInstanceArn"] for _ in range(11)]
    ecs = emulator.client("ecs")
    with pytest.raises(ClientError) as excinfo:
        ecs.update_container_instances_state(cluster="edge", containerInstances=arns, status="DRAINING")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "at most 10" in excinfo.value.response["Error"]["Message"]
    assert ecs.list_container_instances(cluster="edge", status="DRAINING")["containerInstanceArns"] == []
    drained = ecs.update_container_instances_state(cluster="edge", containerInstances=arns[:10], status="DRAINING")
    assert [i["status"] for i in drained["containerInstances"]] == ["DRAINING"] * 10
    assert ecs.list_container_instances(cluster="edge", status="DRAINING")["containerInstanceArns"] == arns[:10]
