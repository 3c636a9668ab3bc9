"""Each package version reports itself everywhere a version shows, and dpkg moves a host between them.

The stand-ins talk to a recording endpoint (recording_endpoint.py), so what SSM and ECS would be
told (AgentVersion, versionInfo, user agents) is read from the requests themselves. The upgrade
tests install the .deb files with dpkg into a directory (sandbox.py, HostSandbox.with_dpkg) and
run what dpkg left there.
"""

import pytest

from tests.agents.build import build_by_version, host_arch
from tests.agents.recording_endpoint import INSTANCE_ID
from tests.agents.sandbox import HostSandbox

SSM_OLD, SSM_NEW = "3.3.1142.0", "3.3.1611.0"
ECS_OLD, ECS_NEW = "1.89.2-1", "1.90.0-1"
AGENT_OF = {ECS_OLD: "1.89.2", ECS_NEW: "1.90.0"}
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    """(package, Debian version) -> .deb of this machine's architecture (dpkg installs no other)."""
    return build_by_version(tmp_path_factory.mktemp("debs"), host_arch())


@pytest.fixture
def dpkg_host(tmp_path):
    sandbox = HostSandbox.with_dpkg(tmp_path)
    yield sandbox
    sandbox.close()


def user_agents(endpoint):
    return {request["headers"]["User-Agent"] for request in endpoint.requests}


def heartbeat(host, endpoint) -> dict:
    """Run the SSM daemon until its first UpdateInstanceInformation; that call's body."""
    daemon = host.start("amazon-ssm-agent")
    endpoint.wait_for("UpdateInstanceInformation")
    code, output = host.stop(daemon)
    assert code == 0, output
    return next(body for _, _, operation, body in endpoint.calls if operation == "UpdateInstanceInformation")


def run_ecs_agent(host, endpoint) -> tuple[dict, dict, str]:
    """Run the ECS agent until it polls: (its RegisterContainerInstance body, its metadata, its output)."""
    process = host.start("amazon-ecs-init", "start")
    endpoint.wait_for("DiscoverPollEndpoint")
    metadata = host.metadata()
    code, output = host.stop(process)
    assert code == 0, output
    register = next(body for _, _, operation, body in endpoint.calls if operation == "RegisterContainerInstance")
    return register, metadata, output


def prepare_ecs(host, endpoint) -> None:
    host.write_registration(INSTANCE_ID, REGION)
    host.start_docker()
    host.write_ecs_config(
        ECS_CLUSTER="edge", ECS_EXTERNAL="true", AWS_DEFAULT_REGION=REGION, ECS_BACKEND_HOST=endpoint.url
    )


def forget(endpoint) -> None:
    endpoint.calls.clear()
    endpoint.requests.clear()


@pytest.mark.parametrize("version", [SSM_OLD, SSM_NEW])
def test_ssm_agent_tells_ssm_its_packages_version(tmp_path, endpoint, version):
    host = HostSandbox.create(tmp_path, ssm_agent_version=version)
    try:
        host.write_ssm_config(endpoint.url)
        assert host.run("amazon-ssm-agent", "-register", "-code", "c", "-id", "a", "-region", REGION).returncode == 0
        body = heartbeat(host, endpoint)
        assert body["AgentVersion"] == version
        assert user_agents(endpoint) == {f"amazon-ssm-agent/{version}"}
        assert f"amazon-ssm-agent - v{version}" in host.path("/var/log/amazon/ssm/amazon-ssm-agent.log").read_text()
    finally:
        host.close()


@pytest.mark.parametrize("version", [ECS_OLD, ECS_NEW])
def test_ecs_agent_tells_ecs_and_its_metadata_its_packages_version(tmp_path, endpoint, version):
    agent = AGENT_OF[version]
    host = HostSandbox.create(tmp_path, ecs_init_version=version)
    try:
        prepare_ecs(host, endpoint)
        register, metadata, output = run_ecs_agent(host, endpoint)
        assert register["versionInfo"]["agentVersion"] == agent
        assert metadata["Version"].startswith(f"Amazon ECS Agent - v{agent} ")
        assert f"Starting Amazon ECS Agent, version {agent}" in output
        assert user_agents(endpoint) == {f"amazon-ecs-agent/{agent} (linux)"}
        assert host.run("amazon-ecs-init", "version").stdout.strip() == f"amazon-ecs-init {agent}"
    finally:
        host.close()


@pytest.mark.parametrize(("first", "then"), [(SSM_OLD, SSM_NEW), (SSM_NEW, SSM_OLD)], ids=["upgrade", "downgrade"])
def test_ssm_agent_installed_over_another_version_runs_the_new_one_with_the_old_registration(
    dpkg_host, debs, endpoint, first, then
):
    dpkg_host.dpkg_install(debs["amazon-ssm-agent", first])
    dpkg_host.write_ssm_config(endpoint.url)
    registered = dpkg_host.run("amazon-ssm-agent", "-register", "-code", "c", "-id", "a", "-region", REGION)
    assert registered.returncode == 0, registered.stdout
    assert heartbeat(dpkg_host, endpoint)["AgentVersion"] == first
    key = dpkg_host.registration()

    output = dpkg_host.dpkg_install(debs["amazon-ssm-agent", then])
    assert f"Unpacking amazon-ssm-agent ({then}) over ({first})" in output
    assert dpkg_host.installed_version("amazon-ssm-agent") == then
    assert dpkg_host.run("amazon-ssm-agent", "-version").stdout.strip() == f"SSM Agent version: {then}"
    # The registration and the user's configuration are the host's, not the package's.
    assert dpkg_host.registration() == key
    assert dpkg_host.path("/etc/amazon/ssm/amazon-ssm-agent.json").exists()

    forget(endpoint)
    body = heartbeat(dpkg_host, endpoint)
    assert body["AgentVersion"] == then
    assert body["InstanceId"] == key["instanceID"]
    assert user_agents(endpoint) == {f"amazon-ssm-agent/{then}"}
    assert [operation for _, _, operation, _ in endpoint.calls if operation == "RegisterManagedInstance"] == []


@pytest.mark.parametrize(("first", "then"), [(ECS_OLD, ECS_NEW), (ECS_NEW, ECS_OLD)], ids=["upgrade", "downgrade"])
def test_ecs_agent_installed_over_another_version_comes_back_as_the_same_container_instance(
    dpkg_host, debs, endpoint, first, then
):
    dpkg_host.dpkg_install(debs["amazon-ecs-init", first])
    prepare_ecs(dpkg_host, endpoint)
    register, metadata, _ = run_ecs_agent(dpkg_host, endpoint)
    assert register["versionInfo"]["agentVersion"] == AGENT_OF[first]
    arn = metadata["ContainerInstanceArn"]
    config = dpkg_host.path("/etc/ecs/ecs.config").read_text()

    output = dpkg_host.dpkg_install(debs["amazon-ecs-init", then])
    assert f"Unpacking amazon-ecs-init ({then}) over ({first})" in output
    assert dpkg_host.installed_version("amazon-ecs-init") == then
    assert dpkg_host.path("/etc/ecs/ecs.config").read_text() == config
    assert dpkg_host.ecs_state()["ContainerInstanceArn"] == arn

    forget(endpoint)
    register, metadata, output = run_ecs_agent(dpkg_host, endpoint)
    assert register["versionInfo"]["agentVersion"] == AGENT_OF[then]
    assert register["containerInstanceArn"] == arn
    assert metadata["ContainerInstanceArn"] == arn
    assert metadata["Version"].startswith(f"Amazon ECS Agent - v{AGENT_OF[then]} ")
    assert "Restored from checkpoint file" in output
    assert user_agents(endpoint) == {f"amazon-ecs-agent/{AGENT_OF[then]} (linux)"}
