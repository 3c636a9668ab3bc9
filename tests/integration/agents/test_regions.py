"""Two hosts, two regions, one emulator endpoint: each host's agents live in their own region.

What a molecule scenario with hosts in us-east-1 and eu-west-1 relies on: the same endpoint in
amazon-ssm-agent.json and ecs.config for every host, the region only in `-register -region` and
in ecs.config's AWS_DEFAULT_REGION.
"""

import json
import time

import pytest

from tests.agents.sandbox import HostSandbox
from tests.integration.agents.conftest import ROLE_NAME, SSM_TRUST

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def hosts(tmp_path, emulator):
    """Per region: a host registered with that region's activation, Docker up, ecs.config for that region."""
    emulator.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(SSM_TRUST))
    sandboxes = {}
    for region in REGIONS:
        ssm = emulator.client("ssm", region)
        activation = ssm.create_activation(IamRole=ROLE_NAME, DefaultInstanceName=f"host-{region}")
        emulator.client("ecs", region).create_cluster(clusterName="edge")
        (tmp_path / region).mkdir()
        host = HostSandbox.create(tmp_path / region)
        host.write_ssm_config(emulator.url)
        result = host.run(
            "amazon-ssm-agent",
            "-register",
            "-code",
            activation["ActivationCode"],
            "-id",
            activation["ActivationId"],
            "-region",
            region,
        )
        assert result.returncode == 0, result.stdout
        host.start_docker()
        host.write_ecs_config(
            "/var/lib/ecs/ecs.config", AWS_DEFAULT_REGION=region, ECS_EXTERNAL="true", ECS_BACKEND_HOST=emulator.url
        )
        host.write_ecs_config("/etc/ecs/ecs.config", ECS_CLUSTER="edge")
        sandboxes[region] = host
    yield sandboxes
    for host in sandboxes.values():
        host.close()


def online_ids(emulator, region):
    answer = emulator.client("ssm", region).describe_instance_information(
        Filters=[{"Key": "PingStatus", "Values": ["Online"]}]
    )
    return [i["InstanceId"] for i in answer["InstanceInformationList"]]


def test_each_hosts_agents_register_heartbeat_and_join_the_cluster_of_its_region(emulator, hosts):
    ids = {region: host.registration()["instanceID"] for region, host in hosts.items()}
    assert {region: host.registration()["region"] for region, host in hosts.items()} == {r: r for r in REGIONS}
    daemons = [host.start("amazon-ssm-agent") for host in hosts.values()]
    agents = [host.start("amazon-ecs-init", "start") for host in hosts.values()]
    arns = {region: host.metadata()["ContainerInstanceArn"] for region, host in hosts.items()}

    deadline = time.monotonic() + 10
    while any(online_ids(emulator, region) != [ids[region]] for region in REGIONS) and time.monotonic() < deadline:
        time.sleep(0.2)
    for region in REGIONS:
        assert online_ids(emulator, region) == [ids[region]]
        ecs = emulator.client("ecs", region)
        assert arns[region].startswith(f"arn:aws:ecs:{region}:123456789012:container-instance/edge/")
        assert ecs.list_container_instances(cluster="edge")["containerInstanceArns"] == [arns[region]]
        (instance,) = ecs.describe_container_instances(cluster="edge", containerInstances=[arns[region]])[
            "containerInstances"
        ]
        assert (instance["ec2InstanceId"], instance["agentConnected"]) == (ids[region], True)

    for process, host in zip(agents + daemons, list(hosts.values()) * 2, strict=True):
        host.stop(process)
    agent_calls = emulator.calls(agent=True)
    assert {(c["region"], c["status"]) for c in agent_calls} == {(r, 200) for r in REGIONS}
    for operation in ("RegisterManagedInstance", "UpdateInstanceInformation", "RegisterContainerInstance"):
        assert {c["region"] for c in agent_calls if c["operation"] == operation} == set(REGIONS), operation


def test_an_ecs_config_for_another_region_than_the_registration_cannot_join(emulator, hosts):
    """The managed instance is unknown in the other region: the agent's registration is refused, terminally."""
    host = hosts["eu-west-1"]
    host.write_ecs_config(
        "/var/lib/ecs/ecs.config", AWS_DEFAULT_REGION="us-east-1", ECS_EXTERNAL="true", ECS_BACKEND_HOST=emulator.url
    )
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode == 5, result.stdout
    assert "is not registered with SSM" in result.stdout
    assert emulator.client("ecs", "us-east-1").list_container_instances(cluster="edge")["containerInstanceArns"] == []
