"""One endpoint, every region: each region's SSM, tagging and ECS state is its own, as at AWS.

The region comes from the SigV4 credential scope. Every test builds the same things in two
regions (a role, which IAM shares across a partition's regions, then an activation, managed
instances, a cluster `edge`) and checks that an id or ARN of one region is refused or missing in
the other, and that nothing done in one region shows or changes anything in the other.
"""

from __future__ import annotations

import json
import time
import urllib.error

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.world import (
    ECS_AGENT_USER_AGENT,
    agent_call,
    create_role,
    error_of,
    heartbeat,
    register,
)

EAST, WEST = "us-east-1", "eu-west-1"


def ssm(emulator, region: str):
    return emulator.client("ssm", region=region, retries={"total_max_attempts": 1})


def ecs(emulator, region: str, **config):
    return emulator.client("ecs", region=region, retries={"total_max_attempts": 1}, **config)


def instance_ids(emulator, region: str, **filters) -> list[str]:
    pages = ssm(emulator, region).get_paginator("describe_instance_information").paginate(**filters)
    return [i["InstanceId"] for page in pages for i in page["InstanceInformationList"]]


@pytest.fixture
def regions(emulator):
    """Per region: an activation (limit 10, tag team=ops) and two registered managed instances."""
    create_role(emulator)  # once: IAM is global within the partition
    world = {}
    for region in (EAST, WEST):
        activation = ssm(emulator, region).create_activation(
            IamRole="ecsAnywhereRole", RegistrationLimit=10, Tags=[{"Key": "team", "Value": "ops"}]
        )
        world[region] = {
            "activation": activation,
            "instances": [register(emulator, activation, region=region) for _ in range(2)],
        }
    return world


# --- SSM -------------------------------------------------------------------------------------------


def test_each_region_lists_only_its_own_activations_and_instances(emulator, regions):
    for region, other in ((EAST, WEST), (WEST, EAST)):
        own = regions[region]
        listed = ssm(emulator, region).describe_activations()["ActivationList"]
        assert [a["ActivationId"] for a in listed] == [own["activation"]["ActivationId"]]
        assert listed[0]["RegistrationsCount"] == 2
        assert instance_ids(emulator, region) == own["instances"]
        assert instance_ids(emulator, region, Filters=[{"Key": "tag:team", "Values": ["ops"]}]) == own["instances"]
        other_activation = regions[other]["activation"]["ActivationId"]
        assert instance_ids(emulator, region, Filters=[{"Key": "ActivationIds", "Values": [other_activation]}]) == []
        assert (
            instance_ids(emulator, region, Filters=[{"Key": "InstanceIds", "Values": regions[other]["instances"]}])
            == []
        )
    assert {i["region"] for i in emulator.state()["managed_instances"]} == {EAST, WEST}


def test_an_activation_works_only_in_its_own_region(emulator, regions):
    east = regions[EAST]["activation"]
    payload = {"ActivationId": east["ActivationId"], "ActivationCode": east["ActivationCode"]}
    status, body = agent_call(emulator, "RegisterManagedInstance", payload, region=WEST)
    assert (status, body["__type"]) == (400, "InvalidActivation")
    with pytest.raises(ClientError) as excinfo:
        ssm(emulator, WEST).delete_activation(ActivationId=east["ActivationId"])
    assert error_of(excinfo)[0] == "InvalidActivationId"
    # Neither the refused registration nor the refused delete touched the activation.
    (listed,) = ssm(emulator, EAST).describe_activations()["ActivationList"]
    assert listed["RegistrationsCount"] == 2
    assert instance_ids(emulator, WEST) == regions[WEST]["instances"]


def test_another_regions_instance_id_is_invalid(emulator, regions):
    east_id = regions[EAST]["instances"][0]
    west = ssm(emulator, WEST)
    status, body = heartbeat(emulator, east_id, region=WEST)
    assert (status, body["__type"]) == (400, "InvalidInstanceId")
    with pytest.raises(ClientError) as excinfo:
        west.deregister_managed_instance(InstanceId=east_id)
    assert error_of(excinfo)[0] == "InvalidInstanceId"
    emulator.set_config(unknown_instance_id="error")
    with pytest.raises(ClientError) as excinfo:
        west.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [east_id]}])
    assert error_of(excinfo)[0] == "InvalidInstanceId"
    assert east_id in error_of(excinfo)[1]
    # Still registered where it was, and never pinged: the heartbeat signed for eu-west-1 did not count.
    (info,) = ssm(emulator, EAST).describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [east_id]}])[
        "InstanceInformationList"
    ]
    assert info["PingStatus"] == "ConnectionLost"


def test_heartbeats_make_an_instance_online_only_in_its_region(emulator, regions):
    west_id = regions[WEST]["instances"][0]
    assert heartbeat(emulator, west_id, region=WEST)[0] == 200
    online = [{"Key": "PingStatus", "Values": ["Online"]}]
    assert instance_ids(emulator, WEST, Filters=online) == [west_id]
    assert instance_ids(emulator, EAST, Filters=online) == []


def test_tags_and_names_are_per_region(emulator, regions):
    east_id, west_id = regions[EAST]["instances"][0], regions[WEST]["instances"][0]
    for region, instance_id in ((EAST, east_id), (WEST, west_id)):
        ssm(emulator, region).add_tags_to_resource(
            ResourceType="ManagedInstance", ResourceId=instance_id, Tags=[{"Key": "Name", "Value": "edge-1"}]
        )
    for region, instance_id, foreign in ((EAST, east_id, west_id), (WEST, west_id, east_id)):
        client = ssm(emulator, region)
        assert instance_ids(emulator, region, Filters=[{"Key": "tag:Name", "Values": ["edge-1"]}]) == [instance_id]
        named = client.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])
        assert named["InstanceInformationList"][0]["Name"] == "edge-1"
        calls = {
            "add_tags_to_resource": {"Tags": [{"Key": "Name", "Value": "taken"}]},
            "remove_tags_from_resource": {"TagKeys": ["Name"]},
            "list_tags_for_resource": {},
        }
        for operation, extra in calls.items():
            with pytest.raises(ClientError) as excinfo:
                getattr(client, operation)(ResourceType="ManagedInstance", ResourceId=foreign, **extra)
            assert error_of(excinfo)[0] == "InvalidResourceId", operation
    # The refused writes changed nothing in the other region.
    for region, instance_id in ((EAST, east_id), (WEST, west_id)):
        tags = ssm(emulator, region).list_tags_for_resource(ResourceType="ManagedInstance", ResourceId=instance_id)
        assert tags["TagList"] == [{"Key": "Name", "Value": "edge-1"}, {"Key": "team", "Value": "ops"}]


def test_deregistering_in_one_region_leaves_the_other_alone(emulator, regions):
    east_ids = regions[EAST]["instances"]
    for instance_id in east_ids:
        ssm(emulator, EAST).deregister_managed_instance(InstanceId=instance_id)
    assert instance_ids(emulator, EAST) == []
    assert instance_ids(emulator, WEST) == regions[WEST]["instances"]


def test_managed_instance_limit_counts_each_region_apart(emulator, regions):
    emulator.set_config(managed_instance_limit=3)
    for region in (EAST, WEST):
        register(emulator, regions[region]["activation"], region=region)
    for region in (EAST, WEST):
        activation = regions[region]["activation"]
        payload = {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"]}
        status, body = agent_call(emulator, "RegisterManagedInstance", payload, region=region)
        assert (status, body["__type"]) == (400, "InvalidActivation"), region
    # Room made in us-east-1 is room in us-east-1 only.
    ssm(emulator, EAST).deregister_managed_instance(InstanceId=regions[EAST]["instances"][0])
    west = regions[WEST]["activation"]
    west_payload = {"ActivationId": west["ActivationId"], "ActivationCode": west["ActivationCode"]}
    assert agent_call(emulator, "RegisterManagedInstance", west_payload, region=WEST)[0] == 400
    register(emulator, regions[EAST]["activation"], region=EAST)


# --- Resource Groups Tagging API ---------------------------------------------------------------------


def test_get_resources_lists_each_regions_instances_with_its_arns(emulator, regions):
    for region, other in ((EAST, WEST), (WEST, EAST)):
        tagging = emulator.client("resourcegroupstaggingapi", region=region)
        found = tagging.get_resources(ResourceTypeFilters=["ssm:managed-instance"])["ResourceTagMappingList"]
        assert [m["ResourceARN"] for m in found] == [
            f"arn:aws:ssm:{region}:123456789012:managed-instance/{i}" for i in regions[region]["instances"]
        ]
        foreign = [f"arn:aws:ssm:{other}:123456789012:managed-instance/{i}" for i in regions[other]["instances"]]
        assert tagging.get_resources(ResourceARNList=foreign)["ResourceTagMappingList"] == []
        by_tag = tagging.get_resources(TagFilters=[{"Key": "team", "Values": ["ops"]}])["ResourceTagMappingList"]
        assert len(by_tag) == 2


# --- ECS -------------------------------------------------------------------------------------------


def register_container_instance(emulator, region: str, instance_id: str, cluster: str = "edge", **extra) -> dict:
    document = json.dumps({"instanceId": instance_id, "region": region})
    return ecs(emulator, region, user_agent=ECS_AGENT_USER_AGENT).register_container_instance(
        cluster=cluster, instanceIdentityDocument=document, instanceIdentityDocumentSignature="", **extra
    )["containerInstance"]


@pytest.fixture
def clusters(emulator, regions):
    """A cluster `edge` in each region, each region's first managed instance registered with it: its ARN."""
    arns = {}
    for region in (EAST, WEST):
        ecs(emulator, region).create_cluster(clusterName="edge")
        arns[region] = register_container_instance(emulator, region, regions[region]["instances"][0])[
            "containerInstanceArn"
        ]
    return arns


def test_container_instances_live_in_their_regions_cluster(emulator, regions, clusters):
    for region in (EAST, WEST):
        client = ecs(emulator, region)
        assert clusters[region].startswith(f"arn:aws:ecs:{region}:123456789012:container-instance/edge/")
        assert client.list_container_instances(cluster="edge")["containerInstanceArns"] == [clusters[region]]
        (cluster,) = client.describe_clusters(clusters=["edge"])["clusters"]
        assert cluster["clusterArn"] == f"arn:aws:ecs:{region}:123456789012:cluster/edge"
        assert cluster["registeredContainerInstancesCount"] == 1
        mi = regions[region]["instances"][0]
        assert client.list_container_instances(cluster="edge", filter=f"ec2InstanceId == {mi}")[
            "containerInstanceArns"
        ] == [clusters[region]]
    state = emulator.state()["container_instances"]["edge"]
    assert sorted((i["region"], i["containerInstanceArn"]) for i in state) == sorted(
        (region, arn) for region, arn in clusters.items()
    )


def test_a_managed_instance_of_another_region_cannot_join(emulator, regions, clusters):
    with pytest.raises(ClientError) as excinfo:
        register_container_instance(emulator, WEST, regions[EAST]["instances"][1])
    assert error_of(excinfo)[0] == "InvalidParameterException"
    # A saved ARN of another region does not bring that instance back either.
    with pytest.raises(ClientError) as excinfo:
        register_container_instance(emulator, WEST, regions[WEST]["instances"][0], containerInstanceArn=clusters[EAST])
    assert error_of(excinfo)[0] == "ClientException"
    assert ecs(emulator, WEST).list_container_instances(cluster="edge")["containerInstanceArns"] == [clusters[WEST]]


def test_another_regions_container_instance_is_missing(emulator, clusters):
    west = ecs(emulator, WEST)
    described = west.describe_container_instances(cluster="edge", containerInstances=[clusters[EAST], clusters[WEST]])
    assert [i["containerInstanceArn"] for i in described["containerInstances"]] == [clusters[WEST]]
    assert described["failures"] == [{"arn": clusters[EAST], "reason": "MISSING"}]
    # Its bare id too: ids are per region.
    east_id = clusters[EAST].rsplit("/", 1)[-1]
    described = west.describe_container_instances(cluster="edge", containerInstances=[east_id])
    assert (described["containerInstances"], described["failures"]) == ([], [{"arn": east_id, "reason": "MISSING"}])

    drained = west.update_container_instances_state(
        cluster="edge", containerInstances=[clusters[EAST]], status="DRAINING"
    )
    assert drained["failures"] == [{"arn": clusters[EAST], "reason": "MISSING"}]
    with pytest.raises(ClientError) as excinfo:
        west.deregister_container_instance(cluster="edge", containerInstance=clusters[EAST], force=True)
    assert error_of(excinfo)[0] == "InvalidParameterException"

    (east,) = ecs(emulator, EAST).describe_container_instances(cluster="edge", containerInstances=[clusters[EAST]])[
        "containerInstances"
    ]
    assert east["status"] == "ACTIVE"
    assert (
        ecs(emulator, EAST).describe_clusters(clusters=["edge"])["clusters"][0]["registeredContainerInstancesCount"]
        == 1
    )


def test_a_cluster_arn_names_its_region(emulator, clusters):
    east_cluster_arn = "arn:aws:ecs:us-east-1:123456789012:cluster/edge"
    assert ecs(emulator, EAST).list_container_instances(cluster=east_cluster_arn)["containerInstanceArns"] == [
        clusters[EAST]
    ]
    with pytest.raises(ClientError) as excinfo:
        ecs(emulator, WEST).list_container_instances(cluster=east_cluster_arn)
    assert error_of(excinfo)[0] == "ClusterNotFoundException"


def test_polls_signed_for_another_region_do_not_keep_an_instance_connected(emulator, clusters):
    emulator.set_ping_timeout(1)
    agent_west = ecs(emulator, WEST, user_agent=ECS_AGENT_USER_AGENT)
    for _ in range(3):
        agent_west.discover_poll_endpoint(containerInstance=clusters[EAST], cluster="edge")
        agent_west.discover_poll_endpoint(containerInstance=clusters[WEST], cluster="edge")
        time.sleep(0.5)

    def connected(region):
        described = ecs(emulator, region).describe_container_instances(
            cluster="edge", containerInstances=[clusters[region]]
        )
        return described["containerInstances"][0]["agentConnected"]

    assert connected(WEST) is True
    assert connected(EAST) is False


def test_running_tasks_can_be_set_for_one_regions_instance(emulator, clusters):
    assert emulator.set_running_tasks("edge", clusters[WEST], 2, region=WEST)["runningTasksCount"] == 2
    with pytest.raises(urllib.error.HTTPError) as refused:
        emulator.set_running_tasks("edge", clusters[EAST], 1, region=WEST)
    assert refused.value.code == 400
    (east,) = ecs(emulator, EAST).describe_container_instances(cluster="edge", containerInstances=[clusters[EAST]])[
        "containerInstances"
    ]
    assert east["runningTasksCount"] == 0


# --- partitions and region names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("ap-southeast-2", "aws")]
)
def test_arns_carry_the_region_and_its_partition(emulator, region, partition):
    create_role(emulator, region=region)
    activation = ssm(emulator, region).create_activation(IamRole="ecsAnywhereRole", Tags=[{"Key": "k", "Value": "v"}])
    instance_id = register(emulator, activation, region=region)
    ecs(emulator, region).create_cluster(clusterName="edge")
    arn = register_container_instance(emulator, region, instance_id)["containerInstanceArn"]
    assert arn.startswith(f"arn:{partition}:ecs:{region}:123456789012:container-instance/edge/")
    tagging = emulator.client("resourcegroupstaggingapi", region=region)
    (mapping,) = tagging.get_resources(ResourceTypeFilters=["ssm:managed-instance"])["ResourceTagMappingList"]
    assert mapping["ResourceARN"] == f"arn:{partition}:ssm:{region}:123456789012:managed-instance/{instance_id}"


def test_a_region_no_partition_has_is_refused_as_aws_refuses_its_credential_scope(emulator):
    create_role(emulator)
    with pytest.raises(ClientError) as excinfo:
        ssm(emulator, "us-eest-1").create_activation(IamRole="ecsAnywhereRole")
    assert error_of(excinfo) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'us-eest-1'.",
    )
    with pytest.raises(ClientError) as excinfo:
        emulator.client("iam", region="us-eest-1", retries={"total_max_attempts": 1}).list_roles()
    assert excinfo.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert emulator.state()["activations"] == []
    assert [(c["operation"], c["region"], c["error_code"]) for c in emulator.calls() if c["region"] == "us-eest-1"] == [
        ("CreateActivation", "us-eest-1", "InvalidSignatureException"),
        ("ListRoles", "us-eest-1", "SignatureDoesNotMatch"),
    ]
