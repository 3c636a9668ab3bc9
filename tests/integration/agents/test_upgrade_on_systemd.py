"""Upgrades and downgrades on a real test host (systemd in podman): what the maintainer scripts do to services.

Needs podman (TEST-WORLD.md); one world with one bookworm host, the emulator and the package mirror.
The packages come from the mirror's bucket paths, as the role fetches them. Docker is a stand-in
unit (tests/agents/fake_dockerd.py) that answers ``/_ping`` on the Docker socket: ecs.service requires docker.service, and
installing docker.io would only slow the test down.
"""

import json
import shlex
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.agents import fake_dockerd
from tests.emulator.client import Emulator
from tests.integration.agents.conftest import REGION, ROLE_NAME, SSM_TRUST
from tests.world import ssh, world

pytestmark = pytest.mark.slow

SSM_OLD, SSM_NEW = "3.3.1142.0", "3.3.1611.0"
CRASH_MESSAGE = "standin: this agent version is set to crash on this host"
# Runs on the host as docker.service.
FAKE_DOCKERD = Path(fake_dockerd.__file__).read_text()
DOCKER_UNIT = """[Unit]
Description=Stand-in Docker for tests (answers /_ping)
[Service]
ExecStart=/usr/local/sbin/fake-dockerd
[Install]
WantedBy=multi-user.target
"""


@pytest.fixture(scope="module")
def test_host(tmp_path_factory):
    """{"run": run(script) -> stdout, "write": write(path, text), "emulator", "mirror" (URL for the host)}."""
    state_dir = tmp_path_factory.mktemp("world")
    name = f"ecsa-upgrade-{uuid.uuid4().hex[:6]}"
    try:
        record = world.up(state_dir, [{"name": name, "suite": "bookworm"}], log=lambda _: None)
        address = record["hosts"][0]["address"]

        def run(script: str, check: bool = True) -> str:
            result = subprocess.run(
                ssh.command(state_dir, address, script), check=False, capture_output=True, text=True, timeout=180
            )
            if check and result.returncode != 0:
                raise AssertionError(f"{script!r} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
            return result.stdout

        def write(path: str, text: str) -> None:
            quoted = shlex.quote(path)
            command = ssh.command(state_dir, address, f"mkdir -p $(dirname {quoted}) && cat > {quoted}")
            subprocess.run(command, input=text, check=True, capture_output=True, text=True, timeout=60)

        yield {
            "run": run,
            "write": write,
            "emulator": Emulator(record["servers"]["emulator"]["url"]),
            "emulator_for_host": record["servers"]["emulator"]["host_url"],
            "mirror": record["servers"]["mirror"]["host_url"],
            "arch": record["arch"],
        }
    finally:
        world.down(state_dir, log=lambda _: None)


def wait_for(probe, wanted, timeout=60.0, what=""):
    deadline = time.monotonic() + timeout
    while True:
        seen = probe()
        if seen == wanted:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or probe}: {seen!r}, not {wanted!r}, after {timeout} s")
        time.sleep(0.5)


def main_pid(host, unit) -> str:
    return host["run"](f"systemctl show --property MainPID --value {unit}").strip()


def is_active(host, unit) -> str:
    return host["run"](f"systemctl is-active {unit}", check=False).strip()


def introspected_version(host) -> str:
    answer = host["run"]("curl -s --max-time 2 http://127.0.0.1:51678/v1/metadata", check=False)
    return json.loads(answer)["Version"] if answer.strip() else ""


def ssm_version(emulator, instance_id) -> str:
    found = emulator.client("ssm", REGION).describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
    )["InstanceInformationList"]
    return found[0].get("AgentVersion") if found else ""


def container_instance(emulator, arn) -> dict:
    answer = emulator.client("ecs", REGION).describe_container_instances(cluster="edge", containerInstances=[arn])
    return answer["containerInstances"][0]


def installed(host) -> dict:
    listed = host["run"]("dpkg-query -W -f '${Package} ${Version}\\n' amazon-ssm-agent amazon-ecs-init")
    return dict(line.split() for line in listed.splitlines())


def fetch(host, bucket: str, key: str) -> str:
    """Download one package from the mirror's bucket (``amazon-ssm``, ``amazon-ecs-agent``) of the region
    to /root/debs; its path there."""
    target = f"/root/debs/{bucket}_{key.replace('/', '_')}"
    host["run"](f"mkdir -p /root/debs && curl -fsS -o {target} {host['mirror']}/{bucket}-{REGION}/{key}")
    return target


def test_the_ssm_deb_restarts_its_agent_and_the_ecs_init_deb_leaves_ecs_running(test_host):
    host, emulator = test_host, test_host["emulator"]
    arch = host["arch"]
    run = host["run"]

    # Old versions, configured as the role would, registered, both agents running.
    host["write"]("/usr/local/sbin/fake-dockerd", FAKE_DOCKERD)
    host["write"]("/etc/systemd/system/docker.service", DOCKER_UNIT)
    run("chmod 755 /usr/local/sbin/fake-dockerd && systemctl daemon-reload && systemctl enable --now docker")
    wait_for(lambda: run("test -S /var/run/docker.sock && echo yes", check=False).strip(), "yes", what="docker")
    host["write"](
        "/etc/systemd/system/amazon-ssm-agent.service.d/test.conf",
        "[Service]\nEnvironment=AGENT_STANDIN_HEARTBEAT_SECONDS=1\n",
    )
    host["write"](
        "/etc/systemd/system/ecs.service.d/test.conf", "[Service]\nEnvironment=AGENT_STANDIN_POLL_SECONDS=1\n"
    )
    host["write"]("/etc/amazon/ssm/amazon-ssm-agent.json", json.dumps({"Ssm": {"Endpoint": host["emulator_for_host"]}}))
    emulator.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(SSM_TRUST))
    activation = emulator.client("ssm", REGION).create_activation(IamRole=ROLE_NAME)
    emulator.client("ecs", REGION).create_cluster(clusterName="edge")
    old_ssm = fetch(host, "amazon-ssm", f"{SSM_OLD}/debian_{arch}/amazon-ssm-agent.deb")
    old_ecs = fetch(host, "amazon-ecs-agent", f"amazon-ecs-init-1.89.2-1.{arch}.deb")
    run(f"dpkg -i {old_ssm} {old_ecs}")
    run(
        f"amazon-ssm-agent -register -code {activation['ActivationCode']} -id {activation['ActivationId']}"
        f" -region {REGION} && systemctl restart amazon-ssm-agent"
    )
    instance_id = json.loads(run("cat /var/lib/amazon/ssm/Vault/Store/RegistrationKey"))["instanceID"]
    wait_for(lambda: ssm_version(emulator, instance_id), SSM_OLD, what="SSM AgentVersion")
    host["write"](
        "/etc/ecs/ecs.config",
        f"ECS_CLUSTER=edge\nECS_EXTERNAL=true\nAWS_DEFAULT_REGION={REGION}\nECS_BACKEND_HOST={host['emulator_for_host']}\n",
    )
    run("systemctl enable --now ecs")
    wait_for(lambda: introspected_version(host).startswith("Amazon ECS Agent - v1.89.2 "), True, what="ECS metadata")
    arn = json.loads(run("curl -s http://127.0.0.1:51678/v1/metadata"))["ContainerInstanceArn"]
    ssm_pid, ecs_pid = main_pid(host, "amazon-ssm-agent"), main_pid(host, "ecs")

    # apt installs the mirror's latest over them.
    new_ssm = fetch(host, "amazon-ssm", f"latest/debian_{arch}/amazon-ssm-agent.deb")
    new_ecs = fetch(host, "amazon-ecs-agent", f"amazon-ecs-init-latest.{arch}.deb")
    run(f"DEBIAN_FRONTEND=noninteractive apt-get install -y {new_ssm} {new_ecs}")
    assert installed(host) == {"amazon-ssm-agent": SSM_NEW, "amazon-ecs-init": "1.90.0-1"}
    # The SSM agent was restarted on the new version...
    assert is_active(host, "amazon-ssm-agent") == "active"
    assert main_pid(host, "amazon-ssm-agent") != ssm_pid
    assert run("amazon-ssm-agent -version").strip() == f"SSM Agent version: {SSM_NEW}"
    wait_for(lambda: ssm_version(emulator, instance_id), SSM_NEW, what="SSM AgentVersion")
    # ...the ECS agent was left running its old version, until ecs is restarted.
    assert is_active(host, "ecs") == "active"
    assert main_pid(host, "ecs") == ecs_pid
    assert introspected_version(host).startswith("Amazon ECS Agent - v1.89.2 ")
    assert container_instance(emulator, arn)["versionInfo"]["agentVersion"] == "1.89.2"
    run("systemctl restart ecs")
    wait_for(lambda: introspected_version(host).startswith("Amazon ECS Agent - v1.90.0 "), True, what="ECS metadata")
    assert json.loads(run("curl -s http://127.0.0.1:51678/v1/metadata"))["ContainerInstanceArn"] == arn
    assert container_instance(emulator, arn)["versionInfo"]["agentVersion"] == "1.90.0"
    assert json.loads(run("cat /var/lib/amazon/ssm/Vault/Store/RegistrationKey"))["instanceID"] == instance_id

    # A release set to crash: ecs fails over and over; dpkg -i of the old version brings it back.
    host["write"]("/var/lib/ecs-standin/crash-versions", "1.90.0\n")
    run("systemctl restart ecs")
    wait_for(lambda: CRASH_MESSAGE in run("journalctl -u ecs --no-pager -n 50", check=False), True, what="crash")
    # Restart=on-failure: systemd tries again every 10 s, and the agent crashes again.
    wait_for(lambda: int(run("systemctl show --property NRestarts --value ecs")) >= 1, True, 30, what="restarts")
    assert not introspected_version(host)
    run(f"dpkg -i {old_ssm} {old_ecs}")
    assert installed(host) == {"amazon-ssm-agent": SSM_OLD, "amazon-ecs-init": "1.89.2-1"}
    wait_for(lambda: ssm_version(emulator, instance_id), SSM_OLD, what="SSM AgentVersion")
    # systemd's own restart (Restart=on-failure, 10 s) picks up the downgraded agent.
    wait_for(
        lambda: introspected_version(host).startswith("Amazon ECS Agent - v1.89.2 "), True, 90, what="ECS metadata"
    )
    assert container_instance(emulator, arn)["agentConnected"] is True

    # Stopping ecs ends the agent's session: ECS shows it disconnected at once.
    run("systemctl stop ecs")
    assert container_instance(emulator, arn)["agentConnected"] is False
    assert len(emulator.calls("ssm", "RegisterManagedInstance", agent=True)) == 1
