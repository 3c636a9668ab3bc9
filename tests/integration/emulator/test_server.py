"""The emulator as a process and its control API: start, URL line, SIGTERM, health, reset, call log."""

from __future__ import annotations

import json
import signal
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.httpsession import URLLib3Session

from tests.emulator.__main__ import main as emulator_main
from tests.emulator.client import Emulator
from tests.emulator.fixture import start_emulator_process
from tests.emulator.switches import STRICT

TRUST_SSM = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


def test_process_prints_url_first_takes_start_options_and_exits_zero_on_sigterm(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text(
        json.dumps({"fail": [{"target": "iam:CreateRole", "count": 1, "code": "ServiceFailure", "status": 500}]})
    )
    process, url = start_emulator_process(
        "--ping-timeout", "5", "--faults", str(faults), "--host", "127.0.0.2", "--strict", "--read-lag-seconds", "0"
    )
    try:
        assert url.startswith("http://127.0.0.1:")
        second_address = url.replace("127.0.0.1", "127.0.0.2")
        started = {**STRICT, "ping_timeout": 5.0, "read_lag_seconds": 0.0, "task_start_seconds": 1.0}
        control = Emulator(url)
        assert control.config() == started
        control.set_config(instance_name="tag", ping_timeout=1)
        control.reset()
        assert control.config() == started
        control.set_faults(json.loads(faults.read_text()))
        iam = Emulator(url).client("iam", retries={"mode": "standard", "total_max_attempts": 1})
        with pytest.raises(ClientError) as excinfo:
            iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_SSM)
        assert excinfo.value.response["Error"]["Code"] == "ServiceFailure"
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_SSM)
        # Every --host serves the same state.
        assert Emulator(second_address).client("iam").get_role(RoleName="r")["Role"]["RoleName"] == "r"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "localhost"])
def test_refuses_to_bind_all_interfaces_or_names(host):
    with pytest.raises(SystemExit, match="--host"):
        emulator_main(["--host", host, "--port", "0"])


def test_health(emulator):
    with urllib.request.urlopen(f"{emulator.url}/_emulator/health") as response:
        assert json.loads(response.read()) == {"ok": True}


def test_call_log_names_query_and_json_protocol_calls(emulator):
    iam = emulator.client("iam")
    iam.create_role(RoleName="hybrid", AssumeRolePolicyDocument=TRUST_SSM)
    iam.get_role(RoleName="hybrid")
    emulator.client("sts").get_caller_identity()
    emulator.client("ecs", region="eu-west-1").create_cluster(clusterName="edge")
    emulator.client("ecs", region="eu-west-1").list_clusters()

    calls = emulator.calls()
    assert [(c["service"], c["operation"], c["write"], c["region"]) for c in calls] == [
        ("iam", "CreateRole", True, "us-east-1"),
        ("iam", "GetRole", False, "us-east-1"),
        ("sts", "GetCallerIdentity", False, "us-east-1"),
        ("ecs", "CreateCluster", True, "eu-west-1"),
        ("ecs", "ListClusters", False, "eu-west-1"),
    ]
    assert all(c["status"] == 200 and c["error_code"] is None and c["agent"] is False for c in calls)
    assert [c["seq"] for c in calls] == sorted(c["seq"] for c in calls)
    assert [c["operation"] for c in emulator.writes()] == ["CreateRole", "CreateCluster"]
    assert [c["operation"] for c in emulator.calls(service="iam", operation="GetRole")] == ["GetRole"]


def test_call_log_records_moto_errors_with_their_code(emulator):
    with pytest.raises(ClientError):
        emulator.client("iam").get_role(RoleName="missing")
    (call,) = emulator.calls()
    assert (call["operation"], call["status"], call["error_code"]) == ("GetRole", 404, "NoSuchEntity")


def test_agent_calls_are_flagged_by_user_agent(emulator):
    ssm_agent = emulator.client("sts", user_agent="amazon-ssm-agent/3.3.0.0")
    ecs_agent = emulator.client("sts", user_agent="amazon-ecs-agent/1.90.0 (linux)")
    ssm_agent.get_caller_identity()
    ecs_agent.get_caller_identity()
    emulator.client("sts").get_caller_identity()
    assert len(emulator.calls(agent=True)) == 2
    assert len(emulator.calls(agent=False)) == 1
    assert len(emulator.calls(agent=None)) == 3


def test_clear_calls(emulator):
    emulator.client("sts").get_caller_identity()
    emulator.clear_calls()
    assert emulator.calls(agent=None) == []


def test_reset_forgets_resources_and_calls(emulator):
    emulator.client("iam").create_role(RoleName="hybrid", AssumeRolePolicyDocument=TRUST_SSM)
    emulator.client("ecs").create_cluster(clusterName="edge")
    emulator.reset()
    assert emulator.calls(agent=None) == []
    assert emulator.client("iam").list_roles()["Roles"] == []
    assert emulator.client("ecs").list_clusters()["clusterArns"] == []


def test_aws_managed_policies_exist(emulator):
    iam = emulator.client("iam")
    for arn in (
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    ):
        assert iam.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn


def test_iam_in_china_partition_uses_aws_cn_arns(emulator):
    iam = emulator.client("iam", region="cn-north-1")
    role = iam.create_role(RoleName="hybrid", AssumeRolePolicyDocument=TRUST_SSM)["Role"]
    assert role["Arn"] == "arn:aws-cn:iam::123456789012:role/hybrid"
    policy = "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore"
    iam.attach_role_policy(RoleName="hybrid", PolicyArn=policy)
    attached = iam.list_attached_role_policies(RoleName="hybrid")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [policy]
    # A partition is its own IAM: the role does not exist in the aws partition.
    with pytest.raises(ClientError):
        emulator.client("iam").get_role(RoleName="hybrid")
    assert {c["region"] for c in emulator.calls()} == {"cn-north-1", "us-east-1"}


def test_call_log_reads_query_protocol_action_from_query_string(emulator):
    request = AWSRequest(method="GET", url=f"{emulator.url}/?Action=ListRoles&Version=2010-05-08")
    SigV4Auth(Credentials("testing", "testing"), "iam", "us-east-1").add_auth(request)
    response = URLLib3Session().send(request.prepare())
    assert response.status_code == 200
    (call,) = emulator.calls()
    assert (call["service"], call["operation"], call["write"]) == ("iam", "ListRoles", False)
