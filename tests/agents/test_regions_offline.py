"""Which region the agents sign for: the registration's for the SSM agent, ecs.config's for the ECS agent.

One endpoint serves every region (as the emulator does); the region a call is for lives only in its
SigV4 credential scope. A recording endpoint answers as SSM and ECS would and keeps every call's
scope, so these tests need no AWS and no emulator.
"""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
INSTANCE_ID = "mi-0123456789abcdef0"


class RecordingEndpoint:
    """An HTTP endpoint that answers the agents' calls and records (region, service, operation, body)."""

    def __init__(self):
        self.calls: list[tuple[str, str, str, dict]] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                scope = SCOPE.search(self.headers.get("Authorization", ""))
                region, service = scope.groups() if scope else ("", "")
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                calls.append((region, service, operation, body))
                answer = {}
                if operation == "RegisterManagedInstance":
                    answer = {"InstanceId": INSTANCE_ID}
                elif operation == "RegisterContainerInstance":
                    arn = f"arn:aws:ecs:{region}:123456789012:container-instance/{body['cluster']}/0123abcd"
                    answer = {"containerInstance": {"containerInstanceArn": arn}}
                elif operation == "DiscoverPollEndpoint":
                    answer = {"endpoint": "http://127.0.0.1"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def wait_for(self, operation: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(call[2] == operation for call in self.calls):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {operation} among {[call[:3] for call in self.calls]}")
            time.sleep(0.05)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    recording = RecordingEndpoint()
    yield recording
    recording.close()


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "cn-north-1"])
def test_ssm_agent_signs_registration_and_heartbeats_for_the_registered_region(host, endpoint, region):
    host.write_ssm_config(endpoint.url)
    result = host.run("amazon-ssm-agent", "-register", "-code", "c0de", "-id", "act-1", "-region", region)
    assert result.returncode == 0, result.stdout
    assert host.registration()["region"] == region
    daemon = host.start("amazon-ssm-agent", env={"AWS_DEFAULT_REGION": "ap-southeast-2", "AWS_REGION": "sa-east-1"})
    endpoint.wait_for("UpdateInstanceInformation")
    host.stop(daemon)
    assert {(r, s) for r, s, _, _ in endpoint.calls} == {(region, "ssm")}
    operations = [operation for _, _, operation, _ in endpoint.calls]
    assert operations[0] == "RegisterManagedInstance"
    assert set(operations[1:]) == {"UpdateInstanceInformation"}


def test_ssm_agent_registered_again_in_another_region_signs_for_the_new_one(host, endpoint):
    host.write_ssm_config(endpoint.url)
    for region in ("us-east-1", "eu-west-1"):
        result = host.run("amazon-ssm-agent", "-register", "-y", "-clear", "-code", "c", "-id", "a", "-region", region)
        assert result.returncode == 0, result.stdout
    daemon = host.start("amazon-ssm-agent")
    endpoint.wait_for("UpdateInstanceInformation")
    host.stop(daemon)
    assert [(r, op) for r, _, op, _ in endpoint.calls] == [
        ("us-east-1", "RegisterManagedInstance"),
        ("eu-west-1", "RegisterManagedInstance"),
    ] + [("eu-west-1", "UpdateInstanceInformation")] * (len(endpoint.calls) - 2)


def start_ecs_agent(host, endpoint, ssm_region: str, var_lib_config: dict, etc_config: dict | None = None):
    store = host.path("/var/lib/amazon/ssm/Vault/Store")
    store.mkdir(parents=True)
    (store / "RegistrationKey").write_text(json.dumps({"instanceID": INSTANCE_ID, "region": ssm_region}))
    host.start_docker()
    # As the role writes them: the region and endpoint in /var/lib/ecs/ecs.config, the cluster in /etc/ecs/ecs.config.
    host.write_ecs_config(
        "/var/lib/ecs/ecs.config", ECS_EXTERNAL="true", ECS_BACKEND_HOST=endpoint.url, **var_lib_config
    )
    host.write_ecs_config("/etc/ecs/ecs.config", ECS_CLUSTER="edge", **(etc_config or {}))
    process = host.start("amazon-ecs-init", "start")
    endpoint.wait_for("DiscoverPollEndpoint")
    code, output = host.stop(process)
    assert code == 0, output
    return output


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_ecs_agent_signs_every_call_for_the_region_of_its_ecs_config(host, endpoint, region):
    start_ecs_agent(host, endpoint, region, {"AWS_DEFAULT_REGION": region})
    assert {(r, s) for r, s, _, _ in endpoint.calls} == {(region, "ecs")}
    register = next(body for _, _, op, body in endpoint.calls if op == "RegisterContainerInstance")
    assert json.loads(register["instanceIdentityDocument"]) == {"instanceId": INSTANCE_ID, "region": region}
    assert host.ecs_state()["ContainerInstanceArn"].startswith(f"arn:aws:ecs:{region}:")


def test_ecs_agent_takes_the_region_from_ecs_config_not_from_the_ssm_registration(host, endpoint):
    start_ecs_agent(host, endpoint, "us-east-1", {"AWS_DEFAULT_REGION": "eu-west-1"})
    assert {r for r, _, _, _ in endpoint.calls} == {"eu-west-1"}


def test_ecs_agent_region_set_in_etc_ecs_config_wins_over_var_lib(host, endpoint):
    start_ecs_agent(
        host, endpoint, "eu-west-1", {"AWS_DEFAULT_REGION": "us-east-1"}, {"AWS_DEFAULT_REGION": "eu-west-1"}
    )
    assert {r for r, _, _, _ in endpoint.calls} == {"eu-west-1"}
