"""Agent upgrades and downgrades as SSM and ECS see them: dpkg puts one version over the other.

The host is a directory with its own dpkg database (HostSandbox.with_dpkg); the packages are the
.deb files tests/agents builds, both versions of each. After an install the agents are started
again, as systemd restarts them on a test host.
"""

import time

import pytest

from tests.integration.agents.conftest import REGION, register

SSM_OLD, SSM_NEW = "3.3.1142.0", "3.3.1611.0"
ECS_OLD, ECS_NEW = "1.89.2-1", "1.90.0-1"
AGENT_OF = {ECS_OLD: "1.89.2", ECS_NEW: "1.90.0"}
CRASH_FILE = "/var/lib/ecs-standin/crash-versions"


def ssm_agent_version(emulator, instance_id, wanted, timeout=15.0) -> str:
    """The AgentVersion SSM reports for the instance, once it is `wanted` or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        answer = emulator.client("ssm", REGION).describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
        )
        found = answer["InstanceInformationList"]
        version = found[0].get("AgentVersion") if found else None
        if version == wanted or time.monotonic() > deadline:
            return version
        time.sleep(0.2)


def heartbeat_until(host, emulator, instance_id, version) -> str:
    daemon = host.start("amazon-ssm-agent")
    try:
        return ssm_agent_version(emulator, instance_id, version)
    finally:
        host.stop(daemon)


def container_instance(emulator, arn) -> dict:
    [instance] = emulator.client("ecs", REGION).describe_container_instances(cluster="edge", containerInstances=[arn])[
        "containerInstances"
    ]
    return instance


def prepare_ecs(host, emulator) -> None:
    emulator.client("ecs", REGION).create_cluster(clusterName="edge")
    host.start_docker()
    host.write_ecs_config(
        ECS_CLUSTER="edge", ECS_EXTERNAL="true", AWS_DEFAULT_REGION=REGION, ECS_BACKEND_HOST=emulator.url
    )


def run_ecs_agent(host, emulator) -> dict:
    """Start the ECS agent, read the container instance while it runs, stop it; the instance as read."""
    process = host.start("amazon-ecs-init", "start")
    arn = host.metadata()["ContainerInstanceArn"]
    instance = container_instance(emulator, arn)
    code, output = host.stop(process)
    assert code == 0, output
    return instance


UPGRADE = ((SSM_OLD, ECS_OLD), (SSM_NEW, ECS_NEW))


@pytest.mark.parametrize("move", [UPGRADE, UPGRADE[::-1]], ids=["upgrade", "downgrade"])
def test_an_installed_version_shows_at_ssm_and_ecs_on_the_same_identities(dpkg_host, debs, emulator, activation, move):
    """move: (SSM agent, ecs-init) versions installed first, then the ones installed over them."""
    first, then = move
    dpkg_host.dpkg_install(debs["amazon-ssm-agent", first[0]], debs["amazon-ecs-init", first[1]])
    assert register(dpkg_host, activation).returncode == 0
    instance_id = dpkg_host.registration()["instanceID"]
    assert heartbeat_until(dpkg_host, emulator, instance_id, first[0]) == first[0]
    prepare_ecs(dpkg_host, emulator)
    before = run_ecs_agent(dpkg_host, emulator)
    assert before["versionInfo"]["agentVersion"] == AGENT_OF[first[1]]

    dpkg_host.dpkg_install(debs["amazon-ssm-agent", then[0]], debs["amazon-ecs-init", then[1]])
    assert heartbeat_until(dpkg_host, emulator, instance_id, then[0]) == then[0]
    after = run_ecs_agent(dpkg_host, emulator)
    assert after["versionInfo"]["agentVersion"] == AGENT_OF[then[1]]
    assert after["containerInstanceArn"] == before["containerInstanceArn"]
    assert after["ec2InstanceId"] == instance_id
    # Same identities: no second registration with SSM, no second container instance.
    assert len(emulator.calls("ssm", "RegisterManagedInstance", agent=True)) == 1
    listed = emulator.client("ecs", REGION).list_container_instances(cluster="edge")["containerInstanceArns"]
    assert listed == [before["containerInstanceArn"]]


def test_a_version_set_to_crash_never_reaches_ecs_and_a_downgrade_brings_the_host_back(
    dpkg_host, debs, emulator, activation
):
    dpkg_host.dpkg_install(debs["amazon-ssm-agent", SSM_NEW], debs["amazon-ecs-init", ECS_OLD])
    assert register(dpkg_host, activation).returncode == 0
    prepare_ecs(dpkg_host, emulator)
    arn = run_ecs_agent(dpkg_host, emulator)["containerInstanceArn"]
    crash_file = dpkg_host.path(CRASH_FILE)
    crash_file.parent.mkdir(parents=True)
    crash_file.write_text("1.90.0\n")

    dpkg_host.dpkg_install(debs["amazon-ecs-init", ECS_NEW])
    emulator.clear_calls()
    crashed = dpkg_host.run("amazon-ecs-init", "start")
    assert crashed.returncode == 1
    assert "standin: this agent version is set to crash on this host" in crashed.stdout
    assert emulator.calls("ecs", agent=True) == []
    assert container_instance(emulator, arn)["versionInfo"]["agentVersion"] == "1.89.2"

    dpkg_host.dpkg_install(debs["amazon-ecs-init", ECS_OLD])
    back = run_ecs_agent(dpkg_host, emulator)
    assert back["containerInstanceArn"] == arn
    assert back["versionInfo"]["agentVersion"] == "1.89.2"


def test_a_stopped_ecs_agent_shows_disconnected_at_once(host, emulator, activation):
    assert register(host, activation).returncode == 0
    prepare_ecs(host, emulator)
    process = host.start("amazon-ecs-init", "start")
    arn = host.metadata()["ContainerInstanceArn"]
    assert container_instance(emulator, arn)["agentConnected"] is True
    code, output = host.stop(process)
    assert code == 0, output
    # Its session ended as it stopped: ECS does not wait for a missed poll to say so.
    assert container_instance(emulator, arn)["agentConnected"] is False
