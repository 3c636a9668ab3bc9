"""amazon-ecs-init against the emulator: registration, metadata, restart, cluster change, deregistration."""

import shutil

from tests.integration.agents.conftest import REGION, register


def configure(host, emulator, **overrides):
    """/etc/ecs/ecs.config as a role would write it for the emulator; a None value leaves the key out."""
    values = {
        "ECS_CLUSTER": "edge",
        "ECS_EXTERNAL": "true",
        "AWS_DEFAULT_REGION": REGION,
        "ECS_BACKEND_HOST": emulator.url,
        **overrides,
    }
    host.write_ecs_config(**{key: value for key, value in values.items() if value is not None})


def prepare(host, emulator, activation, cluster="edge"):
    """A registered SSM host with Docker running and ecs.config pointing at the emulator."""
    assert register(host, activation).returncode == 0
    emulator.client("ecs", REGION).create_cluster(clusterName=cluster)
    host.start_docker()
    configure(host, emulator, ECS_CLUSTER=cluster)
    return host.registration()["instanceID"]


def start_agent(host):
    process = host.start("amazon-ecs-init", "start")
    metadata = host.metadata()
    return process, metadata


def describe(emulator, cluster, arn):
    answer = emulator.client("ecs", REGION).describe_container_instances(cluster=cluster, containerInstances=[arn])
    return answer["containerInstances"]


def test_registers_the_managed_instance_and_answers_metadata(host, emulator, activation):
    instance_id = prepare(host, emulator, activation)
    process, metadata = start_agent(host)
    assert metadata["Cluster"] == "edge"
    arn = metadata["ContainerInstanceArn"]
    assert arn.startswith(f"arn:aws:ecs:{REGION}:")
    # The sandbox's agent is the newest package (ecs-init 1.90.0-1), what an unpinned install gets.
    assert metadata["Version"].startswith("Amazon ECS Agent - v1.90.0 ")
    [instance] = describe(emulator, "edge", arn)
    assert instance["ec2InstanceId"] == instance_id
    assert instance["status"] == "ACTIVE"
    assert host.ecs_state() == {**host.ecs_state(), "Cluster": "edge", "ContainerInstanceArn": arn}
    code, output = host.stop(process)
    assert code == 0
    assert f"Registration completed successfully. I am running as '{arn}' in cluster 'edge'" in output
    assert emulator.calls("ecs", "DiscoverPollEndpoint", agent=True)


def test_restart_reregisters_with_the_saved_arn(host, emulator, activation):
    prepare(host, emulator, activation)
    process, first = start_agent(host)
    host.stop(process)
    process, second = start_agent(host)
    _code, output = host.stop(process)
    assert second["ContainerInstanceArn"] == first["ContainerInstanceArn"]
    assert "Restored from checkpoint file" in output
    calls = emulator.calls("ecs", "RegisterContainerInstance", agent=True)
    assert len(calls) == 2
    arns = emulator.client("ecs", REGION).list_container_instances(cluster="edge")["containerInstanceArns"]
    assert arns == [first["ContainerInstanceArn"]]


def test_cluster_change_is_refused_until_the_data_is_cleared(host, emulator, activation):
    prepare(host, emulator, activation)
    process, _ = start_agent(host)
    host.stop(process)
    emulator.client("ecs", REGION).create_cluster(clusterName="other")
    configure(host, emulator, ECS_CLUSTER="other")
    emulator.clear_calls()
    refused = host.run("amazon-ecs-init", "start")
    assert refused.returncode == 5
    assert "Data mismatch; saved cluster 'edge' does not match configured cluster 'other'" in refused.stdout
    assert emulator.calls("ecs", agent=True) == []

    shutil.rmtree(host.path("/var/lib/ecs/data"))
    process, metadata = start_agent(host)
    host.stop(process)
    assert metadata["Cluster"] == "other"
    assert describe(emulator, "other", metadata["ContainerInstanceArn"])


def test_deregistered_container_instance_cannot_come_back(host, emulator, activation):
    prepare(host, emulator, activation)
    process, metadata = start_agent(host)
    host.stop(process)
    arn = metadata["ContainerInstanceArn"]
    emulator.client("ecs", REGION).deregister_container_instance(cluster="edge", containerInstance=arn, force=True)

    failed = host.run("amazon-ecs-init", "start")
    assert failed.returncode == 1
    assert "Error re-registering container instance" in failed.stdout
    assert host.ecs_state()["ContainerInstanceArn"] == arn

    # What users must do: clear the agent's data, then it registers as a new container instance.
    shutil.rmtree(host.path("/var/lib/ecs/data"))
    process, fresh = start_agent(host)
    host.stop(process)
    assert fresh["ContainerInstanceArn"] != arn


def test_unknown_cluster_is_an_error_not_a_silent_default(host, emulator, activation):
    prepare(host, emulator, activation)
    configure(host, emulator, ECS_CLUSTER="missing")
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode != 0
    assert "Error registering" in result.stdout
    assert not host.path("/var/lib/ecs/data/ecs_agent_data.json").exists()


def test_ecs_calls_carry_the_agent_user_agent_and_region(host, emulator, activation):
    prepare(host, emulator, activation)
    process, _ = start_agent(host)
    host.stop(process)
    calls = emulator.calls("ecs", agent=None)
    assert calls
    assert all(
        call["agent"] for call in calls if call["operation"] in ("RegisterContainerInstance", "DiscoverPollEndpoint")
    )
    assert {call["region"] for call in calls if call["agent"]} == {REGION}


def test_without_ecs_cluster_the_agent_joins_default_creating_it(host, emulator, activation):
    instance_id = prepare(host, emulator, activation)
    configure(host, emulator, ECS_CLUSTER=None)
    process, metadata = start_agent(host)
    host.stop(process)
    assert metadata["Cluster"] == "default"
    [instance] = describe(emulator, "default", metadata["ContainerInstanceArn"])
    assert instance["ec2InstanceId"] == instance_id


def test_gpu_support_is_advertised_only_when_enabled(host, emulator, activation):
    prepare(host, emulator, activation)
    configure(host, emulator, ECS_ENABLE_GPU_SUPPORT="true")
    process, metadata = start_agent(host)
    host.stop(process)
    [instance] = describe(emulator, "edge", metadata["ContainerInstanceArn"])
    names = {attribute["name"] for attribute in instance["attributes"]}
    assert "ecs.capability.gpu" in names
    assert "ecs.capability.external" in names
    assert instance["versionInfo"]["agentVersion"] == "1.90.0"


def test_proxy_in_ecs_config_is_used(host, emulator, activation):
    prepare(host, emulator, activation)
    configure(host, emulator, HTTP_PROXY="http://127.0.0.1:9")
    emulator.clear_calls()
    result = host.run("amazon-ecs-init", "start")
    assert result.returncode == 1
    assert "RequestError" in result.stdout
    assert emulator.calls("ecs", agent=True) == []


def test_new_managed_instance_id_starts_a_new_container_instance(host, emulator, activation):
    old_id = prepare(host, emulator, activation)
    process, first = start_agent(host)
    host.stop(process)
    # A stale SSM registration replaced: the host comes back with a new mi- id.
    assert register(host, activation, "-clear", "-y").returncode == 0
    new_id = host.registration()["instanceID"]
    process, second = start_agent(host)
    _code, output = host.stop(process)
    assert f"Data mismatch; saved InstanceID '{old_id}' does not match current InstanceID '{new_id}'" in output
    assert second["ContainerInstanceArn"] != first["ContainerInstanceArn"]
    [instance] = describe(emulator, "edge", second["ContainerInstanceArn"])
    assert instance["ec2InstanceId"] == new_id
    assert host.ecs_state()["EC2InstanceID"] == new_id
