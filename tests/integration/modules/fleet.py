"""Populate the emulator with hybrid hosts the way their agents would, fast (boto3 and raw agent calls).

RegisterManagedInstance and UpdateInstanceInformation are the SSM agent's own calls;
botocore's public model lacks them, so they are sent as signed JSON requests with the
agent's User-Agent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SSM_AGENT = "amazon-ssm-agent/3.3.0"
ECS_AGENT = "amazon-ecs-agent/1.90.0"
ROLE = "ecsAnywhereRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def agent_call(emulator, operation: str, payload: dict, region: str = "us-east-1") -> dict:
    body = json.dumps(payload)
    request = AWSRequest(
        method="POST",
        url=emulator.url + "/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AmazonSSM.{operation}",
            "User-Agent": SSM_AGENT,
        },
    )
    SigV4Auth(Credentials("testing", "testing"), "ssm", region).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=body.encode(), headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{operation} failed: {e.code} {e.read()!r}") from None


def ensure_role(emulator, name: str = ROLE) -> str:
    iam = emulator.client("iam")
    try:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    return name


def create_activation(emulator, limit: int = 1, **extra) -> tuple[str, str]:
    ensure_role(emulator)
    response = emulator.client("ssm").create_activation(IamRole=ROLE, RegistrationLimit=limit, **extra)
    return response["ActivationId"], response["ActivationCode"]


def heartbeat(emulator, instance_id: str, number: int = 0) -> None:
    agent_call(
        emulator,
        "UpdateInstanceInformation",
        {
            "InstanceId": instance_id,
            "AgentVersion": "3.3.0.0",
            "PlatformName": "Debian GNU/Linux",
            "PlatformVersion": "12",
            "PlatformType": "Linux",
            "ComputerName": f"host-{number}",
            "IPAddress": f"192.0.2.{number % 250 + 1}",
        },
    )


def register_hosts(emulator, count: int, *, online: bool = True, **activation_extra) -> tuple[str, list[str]]:
    """One activation and ``count`` managed instances registered with it (online unless told)."""
    activation_id, code = create_activation(emulator, limit=max(count, 1), **activation_extra)
    instance_ids = []
    for number in range(count):
        registered = agent_call(
            emulator, "RegisterManagedInstance", {"ActivationId": activation_id, "ActivationCode": code}
        )
        instance_ids.append(registered["InstanceId"])
        if online:
            heartbeat(emulator, registered["InstanceId"], number)
    return activation_id, instance_ids


def register_container_instances(emulator, cluster: str, instance_ids: list[str]) -> list[str]:
    """Register each managed instance with ``cluster`` as the ECS agent would; their ARNs."""
    ecs = emulator.client("ecs", user_agent=ECS_AGENT)
    arns = []
    for instance_id in instance_ids:
        response = ecs.register_container_instance(
            cluster=cluster,
            instanceIdentityDocument=json.dumps({"instanceId": instance_id, "region": "us-east-1"}),
            instanceIdentityDocumentSignature="unsigned",
            versionInfo={"agentVersion": "1.90.0"},
        )
        arns.append(response["containerInstance"]["containerInstanceArn"])
    return arns


def unknown_instance_ids(count: int) -> list[str]:
    """Well-formed mi- ids no emulator ever hands out (they start with f)."""
    return [f"mi-f{number:016x}" for number in range(count)]


def operations(calls: list[dict]) -> list[str]:
    return [call["operation"] for call in calls]


def throttling(*operations: str) -> dict:
    """A fault spec: random throttling of every call, plus the first two calls of each
    ``service:Operation`` throttled for certain (so every operation meets it)."""
    return {
        "seed": 42,
        "throttle": [{"target": "*", "rate": 0.2}],
        "fail": [
            {"target": operation, "count": 2, "code": "ThrottlingException", "status": 400} for operation in operations
        ],
    }


def assert_throttled(emulator, *operations: str) -> None:
    """Each ``service:Operation`` was throttled at least once and then succeeded."""
    for target in operations:
        service, operation = target.split(":")
        outcomes = [call["error_code"] for call in emulator.calls(service=service, operation=operation)]
        assert "ThrottlingException" in outcomes, (target, outcomes)
        assert None in outcomes, (target, outcomes)
