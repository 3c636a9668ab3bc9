"""amazon-ecs-init behaviour decided on the host before any AWS call."""

import json
import time

from tests.agents.recording_endpoint import RecordingEndpoint
from tests.agents.runtime import ecs_config
from tests.agents.sandbox import HostSandbox


def seed_ssm(host, instance_id="mi-0123456789abcdef0"):
    host.write_registration(instance_id, "us-east-1")


def seed_ecs_state(
    host, cluster, arn="arn:aws:ecs:us-east-1:123456789012:container-instance/old/abc", mi="mi-0123456789abcdef0"
):
    data = host.path("/var/lib/ecs/data")
    data.mkdir(parents=True)
    state = {"Data": {"Cluster": cluster, "ContainerInstanceArn": arn, "EC2InstanceID": mi}, "Version": 28}
    (data / "ecs_agent_data.json").write_text(json.dumps(state))


def test_pre_start_fails_without_docker(host):
    result = host.run("amazon-ecs-init", "pre-start")
    assert result.returncode == 1
    assert "Docker is not running" in result.stdout
    assert "Docker is not running" in host.path("/var/log/ecs/ecs-init.log").read_text()


def test_pre_start_passes_when_docker_answers_ping(host):
    host.start_docker()
    result = host.run("amazon-ecs-init", "pre-start")
    assert result.returncode == 0, result.stdout


def test_start_refuses_without_docker_even_when_configured(host):
    seed_ssm(host)
    host.write_ecs_config(ECS_CLUSTER="edge", ECS_EXTERNAL="true", AWS_DEFAULT_REGION="us-east-1")
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode == 1
    assert "Docker is not running" in result.stdout


def start_with_saved_cluster(host, saved_cluster, **config):
    host.start_docker()
    seed_ssm(host)
    seed_ecs_state(host, saved_cluster)
    host.write_ecs_config(ECS_EXTERNAL="true", AWS_DEFAULT_REGION="us-east-1", **config)
    return host.run("amazon-ecs-init", "start")


def test_saved_state_for_another_cluster_is_a_terminal_error(host):
    result = start_with_saved_cluster(host, "old-cluster", ECS_CLUSTER="new-cluster")
    assert result.returncode == 5
    assert (
        "Data mismatch; saved cluster 'old-cluster' does not match configured cluster 'new-cluster'. "
        "Perhaps you want to delete the configured checkpoint file?"
    ) in result.stdout
    assert host.ecs_state()["Cluster"] == "old-cluster"


def test_unset_cluster_means_default_for_the_mismatch_check(host):
    result = start_with_saved_cluster(host, "edge")
    assert result.returncode == 5
    assert "saved cluster 'edge' does not match configured cluster 'default'" in result.stdout


def test_without_ecs_external_the_agent_cannot_identify_an_on_premises_host(host):
    host.start_docker()
    seed_ssm(host)
    host.write_ecs_config(ECS_CLUSTER="edge", AWS_DEFAULT_REGION="us-east-1")
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode == 1
    assert "ECS_EXTERNAL" in result.stdout


def test_without_ssm_registration_the_agent_does_not_start(host):
    host.start_docker()
    host.write_ecs_config(ECS_CLUSTER="edge", ECS_EXTERNAL="true", AWS_DEFAULT_REGION="us-east-1")
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode == 1
    assert "SSM agent is not registered" in result.stdout


def test_config_files_merge_with_etc_winning_and_systemd_syntax(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENT_STANDIN_ROOT", str(tmp_path))
    (tmp_path / "var/lib/ecs").mkdir(parents=True)
    (tmp_path / "etc/ecs").mkdir(parents=True)
    (tmp_path / "var/lib/ecs/ecs.config").write_text("ECS_CLUSTER=from-var-lib\nAWS_DEFAULT_REGION=eu-west-1\n")
    (tmp_path / "etc/ecs/ecs.config").write_text(
        '# comment\n\nECS_CLUSTER="edge"\nECS_EXTERNAL=true\nECS_BACKEND_HOST=http://127.0.0.1:5000\n'
    )
    config = ecs_config.EcsConfig.load(environ={})
    assert config.cluster == "edge"
    assert config.cluster_configured
    assert config.region == "eu-west-1"
    assert config.external
    assert config.backend_host == "http://127.0.0.1:5000"
    assert not config.gpu_support


def test_process_environment_overrides_files(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENT_STANDIN_ROOT", str(tmp_path))
    (tmp_path / "etc/ecs").mkdir(parents=True)
    (tmp_path / "etc/ecs/ecs.config").write_text("ECS_CLUSTER=edge\n")
    config = ecs_config.EcsConfig.load(environ={"ECS_CLUSTER": "override", "ECS_ENABLE_GPU_SUPPORT": "true"})
    assert config.cluster == "override"
    assert config.gpu_support


CRASH_FILE = "/var/lib/ecs-standin/crash-versions"
CRASH_MESSAGE = "standin: this agent version is set to crash on this host"
SESSION_END = "/_emulator/ecs/agent-session"


def configured_for(host, endpoint):
    host.start_docker()
    seed_ssm(host)
    host.write_ecs_config(
        ECS_CLUSTER="edge", ECS_EXTERNAL="true", AWS_DEFAULT_REGION="us-east-1", ECS_BACKEND_HOST=endpoint.url
    )


def list_crash_versions(host, *lines):
    path = host.path(CRASH_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))


def test_a_version_listed_in_the_crash_file_exits_1_before_registering(host, endpoint):
    configured_for(host, endpoint)
    list_crash_versions(host, "1.89.2", "1.90.0")
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode == 1
    assert f"CRITICAL {CRASH_MESSAGE}" in result.stdout
    assert CRASH_MESSAGE in host.path("/var/log/ecs/ecs-agent.log").read_text()
    assert endpoint.requests == []
    assert not host.path("/var/lib/ecs/data/ecs_agent_data.json").exists()


def test_the_crash_file_spares_versions_it_does_not_list(tmp_path, endpoint):
    old = HostSandbox.create(tmp_path, ecs_init_version="1.89.2-1")
    try:
        configured_for(old, endpoint)
        # The package's version and a version of another agent do not count: only the agent's own.
        list_crash_versions(old, "1.90.0", "1.89.2-1", "3.3.1142.0")
        process = old.start("amazon-ecs-init", "start")
        endpoint.wait_for("DiscoverPollEndpoint")
        code, output = old.stop(process)
        assert code == 0, output
        assert CRASH_MESSAGE not in output
    finally:
        old.close()


def test_sigterm_ends_the_agents_session_at_its_endpoint(host, endpoint):
    configured_for(host, endpoint)
    process = host.start("amazon-ecs-init", "start")
    endpoint.wait_for("DiscoverPollEndpoint")
    assert endpoint.requests_to(SESSION_END) == []
    code, output = host.stop(process)
    # The endpoint has no such route (404), as real AWS would not: the agent stops all the same.
    assert code == 0, output
    [request] = endpoint.requests_to(SESSION_END)
    assert request["body"] == {
        "containerInstance": host.ecs_state()["ContainerInstanceArn"],
        "region": "us-east-1",
        "connected": False,
    }
    assert request["headers"]["Content-Type"] == "application/json"


def test_a_session_end_nobody_answers_delays_the_stop_by_two_seconds_at_most(host):
    stalling = RecordingEndpoint(stall_seconds={SESSION_END: 30})
    try:
        configured_for(host, stalling)
        process = host.start("amazon-ecs-init", "start")
        stalling.wait_for("DiscoverPollEndpoint")
        started = time.monotonic()
        code, output = host.stop(process)
        assert code == 0, output
        assert time.monotonic() - started < 5
        assert len(stalling.requests_to(SESSION_END)) == 1
    finally:
        stalling.close()
