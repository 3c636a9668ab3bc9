import json

import pytest

from tests.agents.build import build_by_version, host_arch
from tests.agents.sandbox import HostSandbox

REGION = "us-east-1"
ROLE_NAME = "ecsAnywhereRole"
SSM_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture
def host(tmp_path, emulator):
    sandbox = HostSandbox.create(tmp_path)
    sandbox.write_ssm_config(emulator.url)
    yield sandbox
    sandbox.close()


@pytest.fixture
def activation(emulator):
    """A fresh hybrid activation (limit 5): {'id', 'code'}."""
    emulator.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(SSM_TRUST))
    answer = emulator.client("ssm", REGION).create_activation(IamRole=ROLE_NAME, RegistrationLimit=5)
    return {"id": answer["ActivationId"], "code": answer["ActivationCode"]}


def register(host, activation, *extra: str, env: dict | None = None):
    return host.run(
        "amazon-ssm-agent",
        "-register",
        "-code",
        activation["code"],
        "-id",
        activation["id"],
        "-region",
        REGION,
        *extra,
        env=env,
    )


@pytest.fixture(scope="session")
def debs(tmp_path_factory):
    """(package, Debian version) -> .deb of this machine's architecture, every version tests/agents builds."""
    return build_by_version(tmp_path_factory.mktemp("debs"), host_arch())


@pytest.fixture
def dpkg_host(tmp_path, emulator):
    """A host in a directory with a dpkg database and no agent yet; the SSM agent's endpoint is the emulator."""
    sandbox = HostSandbox.with_dpkg(tmp_path)
    sandbox.write_ssm_config(emulator.url)
    yield sandbox
    sandbox.close()
