"""Which region the agents sign for: the registration's for the SSM agent, ecs.config's for the ECS agent.

One endpoint serves every region (as the emulator does); the region a call is for lives only in its
SigV4 credential scope. A recording endpoint (recording_endpoint.py) answers as SSM and ECS would and
keeps every call's scope, so these tests need no AWS and no emulator.
"""

import json

import pytest

from tests.agents.recording_endpoint import INSTANCE_ID


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "cn-north-1"])
def test_ssm_agent_signs_registration_and_heartbeats_for_the_registered_region(host, endpoint, region):
    host.write_ssm_config(endpoint.url)
    result = host.run("amazon-ssm-agent", "-register", "-code", "c0de", "-id", "act-1", "-region", region)
    assert result.returncode == 0, result.stdout
    assert host.registration()["region"] == region
    daemon = host.start("amazon-ssm-agent", env={"AWS_DEFAULT_REGION": "ap-southeast-2", "AWS_REGION": "sa-east-1"})
    endpoint.wait_for("UpdateInstanceInformation")
    host.stop(daemon)
    assert {(r, s) for r, s, _, _ in endpoint.calls} == {(region, "ssm")}
    operations = [operation for _, _, operation, _ in endpoint.calls]
    assert operations[0] == "RegisterManagedInstance"
    assert set(operations[1:]) == {"UpdateInstanceInformation"}


def test_ssm_agent_registered_again_in_another_region_signs_for_the_new_one(host, endpoint):
    host.write_ssm_config(endpoint.url)
    for region in ("us-east-1", "eu-west-1"):
        result = host.run("amazon-ssm-agent", "-register", "-y", "-clear", "-code", "c", "-id", "a", "-region", region)
        assert result.returncode == 0, result.stdout
    daemon = host.start("amazon-ssm-agent")
    endpoint.wait_for("UpdateInstanceInformation")
    host.stop(daemon)
    assert [(r, op) for r, _, op, _ in endpoint.calls] == [
        ("us-east-1", "RegisterManagedInstance"),
        ("eu-west-1", "RegisterManagedInstance"),
    ] + [("eu-west-1", "UpdateInstanceInformation")] * (len(endpoint.calls) - 2)


def start_ecs_agent(host, endpoint, ssm_region: str, var_lib_config: dict, etc_config: dict | None = None):
    host.write_registration(INSTANCE_ID, ssm_region)
    host.start_docker()
    # As the role writes them: the region and endpoint in /var/lib/ecs/ecs.config, the cluster in /etc/ecs/ecs.config.
    host.write_ecs_config(
        "/var/lib/ecs/ecs.config", ECS_EXTERNAL="true", ECS_BACKEND_HOST=endpoint.url, **var_lib_config
    )
    host.write_ecs_config("/etc/ecs/ecs.config", ECS_CLUSTER="edge", **(etc_config or {}))
    process = host.start("amazon-ecs-init", "start")
    endpoint.wait_for("DiscoverPollEndpoint")
    code, output = host.stop(process)
    assert code == 0, output
    return output


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_ecs_agent_signs_every_call_for_the_region_of_its_ecs_config(host, endpoint, region):
    start_ecs_agent(host, endpoint, region, {"AWS_DEFAULT_REGION": region})
    assert {(r, s) for r, s, _, _ in endpoint.calls} == {(region, "ecs")}
    register = next(body for _, _, op, body in endpoint.calls if op == "RegisterContainerInstance")
    assert json.loads(register["instanceIdentityDocument"]) == {"instanceId": INSTANCE_ID, "region": region}
    assert host.ecs_state()["ContainerInstanceArn"].startswith(f"arn:aws:ecs:{region}:")


def test_ecs_agent_takes_the_region_from_ecs_config_not_from_the_ssm_registration(host, endpoint):
    start_ecs_agent(host, endpoint, "us-east-1", {"AWS_DEFAULT_REGION": "eu-west-1"})
    assert {r for r, _, _, _ in endpoint.calls} == {"eu-west-1"}


def test_ecs_agent_region_set_in_etc_ecs_config_wins_over_var_lib(host, endpoint):
    start_ecs_agent(
        host, endpoint, "eu-west-1", {"AWS_DEFAULT_REGION": "us-east-1"}, {"AWS_DEFAULT_REGION": "eu-west-1"}
    )
    assert {r for r, _, _, _ in endpoint.calls} == {"eu-west-1"}
