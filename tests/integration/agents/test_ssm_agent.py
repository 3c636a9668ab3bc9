"""amazon-ssm-agent against the emulator: registration, -clear, refusal, heartbeats, proxies."""

import time

from tests.integration.agents.conftest import REGION, register

DEAD_PROXY = "http://127.0.0.1:9"
SSM_LOG = "/var/log/amazon/ssm/amazon-ssm-agent.log"


def instance_info(emulator, instance_id):
    answer = emulator.client("ssm", REGION).describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
    )
    return answer["InstanceInformationList"]


def wait_for_ping_status(emulator, instance_id, wanted, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        found = instance_info(emulator, instance_id)
        status = found[0].get("PingStatus") if found else None
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_register_writes_the_key_ssm_knows(host, emulator, activation):
    result = register(host, activation)
    assert result.returncode == 0, result.stdout
    key = host.registration()
    instance_id = key["instanceID"]
    assert instance_id.startswith("mi-")
    assert key["region"] == REGION
    assert (
        f"Successfully registered the instance with AWS SSM using Managed instance-id: {instance_id}" in result.stdout
    )
    assert [i["InstanceId"] for i in instance_info(emulator, instance_id)] == [instance_id]
    # The older file is written too (and is not what -clear clears).
    assert instance_id in host.path("/var/lib/amazon/ssm/registration").read_text()
    calls = emulator.calls("ssm", "RegisterManagedInstance", agent=True)
    assert len(calls) == 1
    assert calls[0]["region"] == REGION


def test_activation_code_is_written_nowhere(host, activation):
    register(host, activation)
    host.start("amazon-ssm-agent")
    host.wait_for_log(SSM_LOG, "HealthCheck reporting agent health")
    assert host.files_containing(activation["code"]) == []


def test_wrong_code_fails_with_ssm_error_and_no_identity(host, emulator, activation):
    result = register(host, {**activation, "code": "not-the-code"})
    assert result.returncode == 1
    assert "Registration failed due to error registering the instance with AWS SSM. InvalidActivation" in result.stdout
    assert host.registration()["instanceID"] == ""


def test_second_registration_is_refused_without_yes(host, emulator, activation):
    first = register(host, activation)
    assert first.returncode == 0
    instance_id = host.registration()["instanceID"]
    again = register(host, activation)
    assert again.returncode == 1
    assert "Instance already registered" in again.stdout
    assert host.registration()["instanceID"] == instance_id
    # Refused before any call: the activation's capacity is not spent.
    assert len(emulator.calls("ssm", "RegisterManagedInstance", agent=True)) == 1


def test_clear_and_yes_register_again_with_a_new_id(host, emulator, activation):
    register(host, activation)
    old_id = host.registration()["instanceID"]
    result = register(host, activation, "-clear", "-y")
    assert result.returncode == 0, result.stdout
    assert "Registration information has been removed from the instance." in result.stdout
    new_id = host.registration()["instanceID"]
    assert new_id.startswith("mi-")
    assert new_id != old_id


def test_heartbeat_makes_the_instance_online(host, emulator, activation):
    register(host, activation)
    instance_id = host.registration()["instanceID"]
    daemon = host.start("amazon-ssm-agent")
    assert wait_for_ping_status(emulator, instance_id, "Online") == "Online"
    info = instance_info(emulator, instance_id)[0]
    # The sandbox's agent is the newest package, what an unpinned install gets.
    assert info["AgentVersion"] == "3.3.1611.0"
    assert info["PlatformType"] == "Linux"
    code, output = host.stop(daemon)
    assert code == 0
    assert "HealthCheck reporting agent health" in output
    log = host.path("/var/log/amazon/ssm/amazon-ssm-agent.log").read_text()
    assert f"identity from OnPrem: {instance_id}" in log


def test_heartbeat_stops_when_the_daemon_stops(host, emulator, activation):
    register(host, activation)
    instance_id = host.registration()["instanceID"]
    emulator.set_ping_timeout(1)
    daemon = host.start("amazon-ssm-agent")
    assert wait_for_ping_status(emulator, instance_id, "Online") == "Online"
    host.stop(daemon)
    assert wait_for_ping_status(emulator, instance_id, "ConnectionLost") == "ConnectionLost"


def test_proxy_from_environment_is_used_and_no_proxy_bypasses_it(host, emulator, activation):
    through_dead_proxy = register(host, activation, env={"HTTP_PROXY": DEAD_PROXY})
    assert through_dead_proxy.returncode == 1
    assert "RequestError" in through_dead_proxy.stdout
    assert emulator.calls("ssm", "RegisterManagedInstance", agent=True) == []

    bypassed = register(host, activation, "-y", env={"HTTP_PROXY": DEAD_PROXY, "NO_PROXY": "127.0.0.1"})
    assert bypassed.returncode == 0, bypassed.stdout


def test_daemon_reports_its_proxy_settings(host, activation):
    register(host, activation)
    host.start("amazon-ssm-agent", env={"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "127.0.0.1"})
    log = host.wait_for_log(SSM_LOG, "HealthCheck reporting agent health")
    assert "HTTPS_PROXY:http://proxy.example:3128" in log
    assert "NO_PROXY:127.0.0.1" in log


def test_daemon_of_a_deregistered_instance_keeps_running_and_logs_the_error(host, emulator, activation):
    register(host, activation)
    instance_id = host.registration()["instanceID"]
    daemon = host.start("amazon-ssm-agent")
    host.wait_for_log(SSM_LOG, "HealthCheck reporting agent health")
    emulator.client("ssm", REGION).deregister_managed_instance(InstanceId=instance_id)
    log = host.wait_for_log(SSM_LOG, "InvalidInstanceId")
    assert "[HealthCheck] error when calling AWS APIs" in log
    assert daemon.poll() is None
