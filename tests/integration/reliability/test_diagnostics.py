"""What makes a failed registration diagnosable, and what the secret scans rely on.

- The emulator logs one line per AWS call (method, operation, status, error code), never a body.
- It reveals every activation code it issued through its test-only control API, deleted
  activations included, and never in its state dump.
- The stand-in SSM agent retries throttling as the real agent's SDK does, and on failure
  prints SSM's error code and message, never the activation code.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

from tests.emulator.client import Emulator
from tests.emulator.fixture import REPO_ROOT, stop_emulator_process
from tests.integration.agents.conftest import REGION, register
from tests.integration.ansible_runner import run_module
from tests.integration.modules.fleet import ROLE, ensure_role


def test_codes_are_revealed_only_by_the_control_api_and_outlive_their_activation(emulator, activation):
    ssm = emulator.client("ssm", REGION)
    second = ssm.create_activation(IamRole="ecsAnywhereRole")
    ssm.delete_activation(ActivationId=second["ActivationId"])

    assert emulator.activation_codes() == [activation["code"], second["ActivationCode"]]
    state = str(emulator.state())
    assert activation["code"] not in state and second["ActivationCode"] not in state
    emulator.reset()
    assert emulator.activation_codes() == []


def test_request_log_names_method_operation_status_and_error_never_a_body(tmp_path):
    log = tmp_path / "emulator.log"
    with log.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", "--host", "127.0.0.1", "--port", "0"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        url = process.stdout.readline().strip().split("=", 1)[1]
        emulator = Emulator(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                emulator.calls()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        iam = emulator.client("iam")
        trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        iam.create_role(RoleName="logged", AssumeRolePolicyDocument=trust)
        code = emulator.client("ssm").create_activation(IamRole="logged")["ActivationCode"]
        emulator.set_faults(
            {"fail": [{"target": "ssm:DescribeActivations", "count": 1, "code": "InternalError", "status": 500}]}
        )
        with pytest.raises(ClientError):
            emulator.client("ssm", retries={"total_max_attempts": 1}).describe_activations()
    finally:
        stop_emulator_process(process)
    lines = log.read_text().splitlines()
    assert "emulator: POST iam:CreateRole 200" in lines
    assert "emulator: POST ssm:CreateActivation 200" in lines
    assert "emulator: POST ssm:DescribeActivations 500 InternalError" in lines
    assert code not in log.read_text()


def test_stand_in_agent_registers_through_throttling(host, emulator, activation):
    emulator.set_faults(
        {"fail": [{"target": "ssm:RegisterManagedInstance", "count": 2, "code": "ThrottlingException"}]}
    )
    result = register(host, activation)
    assert result.returncode == 0, result.stdout
    attempts = [call["error_code"] for call in emulator.calls("ssm", "RegisterManagedInstance", agent=True)]
    assert attempts == ["ThrottlingException", "ThrottlingException", None]


def test_stand_in_agent_failure_says_why_without_the_code(host, emulator, activation):
    emulator.set_faults({"fail": [{"target": "ssm:RegisterManagedInstance", "count": 1, "code": "ActivationExpired"}]})
    result = register(host, activation)
    assert result.returncode == 1
    assert "ActivationExpired" in result.stdout
    assert activation["code"] not in result.stdout + result.stderr
    assert host.files_containing(activation["code"]) == []


def test_a_module_warning_comes_without_a_deprecation(emulator):
    ensure_role(emulator)
    arn = f"arn:aws:iam::{emulator.account_id}:role/{ROLE}"
    result = run_module("onprem.ecs_anywhere.ssm_activation", {"iam_role": arn}, emulator.env(), check=True)
    assert any("not an ARN" in warning for warning in result.get("warnings", [])), result
    assert result.get("deprecations", []) == [], result["deprecations"]
