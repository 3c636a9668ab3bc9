"""Fault injection: throttling with the services' real codes, latency, fail N times, IAM visibility delay."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulator.world import create_role


def no_retry(emulator, service: str, region: str = "us-east-1"):
    return emulator.client(service, region=region, retries={"mode": "standard", "total_max_attempts": 1})


def outcomes(call, times: int) -> list[str | None]:
    result = []
    for _ in range(times):
        try:
            call()
            result.append(None)
        except ClientError as error:
            result.append(error.response["Error"]["Code"])
    return result


def test_throttle_rate_is_honoured_and_repeatable_with_a_seed(emulator):
    ecs = no_retry(emulator, "ecs")
    emulator.set_faults({"seed": 7, "throttle": [{"target": "ecs", "rate": 0.3}]})
    first = outcomes(ecs.list_clusters, 60)
    emulator.set_faults({"seed": 7, "throttle": [{"target": "ecs", "rate": 0.3}]})
    second = outcomes(ecs.list_clusters, 60)
    assert first == second
    throttled = first.count("ThrottlingException")
    assert 8 <= throttled <= 30, throttled
    assert set(first) == {None, "ThrottlingException"}
    logged = [c["error_code"] for c in emulator.calls(service="ecs")]
    assert logged.count("ThrottlingException") == 2 * throttled


def test_throttle_uses_query_protocol_code_for_iam(emulator):
    iam = no_retry(emulator, "iam")
    emulator.set_faults({"throttle": [{"target": "iam:ListRoles", "rate": 1.0}]})
    with pytest.raises(ClientError) as excinfo:
        iam.list_roles()
    assert excinfo.value.response["Error"]["Code"] == "Throttling"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    iam.list_users()  # another operation of the same service is untouched
    assert [(c["operation"], c["error_code"]) for c in emulator.calls()] == [
        ("ListRoles", "Throttling"),
        ("ListUsers", None),
    ]


def test_boto3_retries_through_injected_throttling(emulator):
    emulator.set_faults({"fail": [{"target": "sts", "count": 1, "code": "Throttling", "status": 400}]})
    sts = emulator.client("sts", retries={"mode": "standard", "total_max_attempts": 3})
    answer = sts.get_caller_identity()
    assert answer["Account"] == emulator.account_id
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c["error_code"] for c in emulator.calls()] == ["Throttling", None]


def test_fail_n_times_then_succeed(emulator):
    emulator.client("ecs").create_cluster(clusterName="edge")
    ecs = no_retry(emulator, "ecs")
    emulator.set_faults(
        {"fail": [{"target": "ecs:DescribeClusters", "count": 2, "code": "ServerException", "status": 500}]}
    )
    assert outcomes(lambda: ecs.describe_clusters(clusters=["edge"]), 3) == ["ServerException", "ServerException", None]
    statuses = [c["status"] for c in emulator.calls(operation="DescribeClusters")]
    assert statuses == [500, 500, 200]


def test_latency(emulator):
    sts = emulator.client("sts")
    sts.get_caller_identity()
    emulator.set_faults({"latency": [{"target": "sts:GetCallerIdentity", "ms": 400}]})
    started = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - started >= 0.4


def test_iam_visibility_delay(emulator):
    emulator.set_faults({"iam_visibility_delay": 1.5})
    create_role(emulator)
    ssm = no_retry(emulator, "ssm")
    with pytest.raises(ClientError) as excinfo:
        ssm.create_activation(IamRole="ecsAnywhereRole")
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert "Nonexistent role or missing ssm service principal" in str(excinfo.value)
    time.sleep(1.6)
    assert ssm.create_activation(IamRole="ecsAnywhereRole")["ActivationId"]


def test_clear_faults_and_reset_clear_them(emulator):
    sts = no_retry(emulator, "sts")
    emulator.set_faults({"throttle": [{"target": "*", "rate": 1.0}]})
    assert outcomes(sts.get_caller_identity, 1) == ["Throttling"]
    emulator.clear_faults()
    assert outcomes(sts.get_caller_identity, 1) == [None]
    emulator.set_faults({"throttle": [{"target": "*", "rate": 1.0}]})
    emulator.reset()
    assert outcomes(sts.get_caller_identity, 1) == [None]


@pytest.mark.parametrize(
    "spec",
    [{"throttel": []}, {"throttle": [{"target": "ssm", "rate": 2}]}, {"fail": [{"target": "ssm"}]}],
)
def test_bad_fault_spec_is_refused(emulator, spec):
    with pytest.raises(Exception, match="400"):
        emulator.set_faults(spec)
