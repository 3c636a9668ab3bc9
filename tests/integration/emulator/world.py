"""Shared setup for the emulator's own tests: an SSM-trusted role, activations, agents' calls."""

from __future__ import annotations

import json

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session

SSM_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
SSM_AGENT_USER_AGENT = "amazon-ssm-agent/3.3.1142.0"
ECS_AGENT_USER_AGENT = "amazon-ecs-agent/1.90.0 (linux)"


def create_role(emulator, name: str = "ecsAnywhereRole", region: str = "us-east-1", trust: str = SSM_TRUST):
    return emulator.client("iam", region=region).create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]


def agent_call(emulator, operation: str, payload: dict, region: str = "us-east-1") -> tuple[int, dict]:
    """Call an SSM agent-only operation (absent from botocore's public model) as the agent does: signed JSON."""
    request = AWSRequest(
        method="POST",
        url=emulator.url + "/",
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AmazonSSM.{operation}",
            "User-Agent": SSM_AGENT_USER_AGENT,
        },
    )
    SigV4Auth(Credentials("testing", "testing"), "ssm", region).add_auth(request)
    response = URLLib3Session().send(request.prepare())
    return response.status_code, json.loads(response.content or b"{}")


def register(emulator, activation: dict, region: str = "us-east-1") -> str:
    status, body = agent_call(
        emulator,
        "RegisterManagedInstance",
        {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"]},
        region,
    )
    assert status == 200, body
    return body["InstanceId"]


def heartbeat(emulator, instance_id: str, region: str = "us-east-1") -> tuple[int, dict]:
    return agent_call(
        emulator,
        "UpdateInstanceInformation",
        {
            "InstanceId": instance_id,
            "AgentVersion": "3.3.1142.0",
            "PlatformName": "Debian GNU/Linux",
            "PlatformVersion": "12",
            "PlatformType": "Linux",
            "ComputerName": "edge-1",
            "IPAddress": "10.88.0.5",
        },
        region,
    )


def error_of(excinfo) -> tuple[str, str]:
    """Code and message of the ClientError a pytest.raises caught."""
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def output_shape(service: str, operation: str):
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation).output_shape


def assert_required_members(shape, value) -> None:
    """Every member botocore marks required is present, recursively."""
    if shape.type_name == "structure":
        for name in shape.required_members:
            assert name in value, f"{shape.name} lacks required {name}"
        for name, member in shape.members.items():
            if name in value:
                assert_required_members(member, value[name])
    elif shape.type_name == "list":
        for item in value:
            assert_required_members(shape.member, item)
