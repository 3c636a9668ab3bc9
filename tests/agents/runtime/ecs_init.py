"""The stand-in amazon-ecs-init: 'pre-start', 'start', 'stop', 'post-stop', as ecs.service calls them.

The real ecs-init runs the ECS agent in a Docker container; the stand-in checks that
Docker answers and then runs the agent's registration and polling itself, with the
real agent's checkpoint rules and messages (agent/app/agent.go).
"""

import json
import os
import platform
import signal
import sys
import threading
import urllib.request

from . import docker_ping, ecs_state, ssm_registration
from .agent_log import AgentLog
from .aws_json import AwsError, JsonClient, endpoint_url
from .ecs_config import EcsConfig
from .host_paths import ECS_LOG_DIR, ECS_STANDIN_CRASH_VERSIONS, host_path
from .introspection import serve_metadata
from .package_version import package_version, upstream_version

# Exit codes of the real agent: 5 is terminal (ecs.service does not restart), 1 is retried.
EXIT_TERMINAL = 5
EXIT_ERROR = 1
# Test-only knobs: poll period and introspection port (tests run several agents side by side).
POLL_ENV = "AGENT_STANDIN_POLL_SECONDS"
PORT_ENV = "AGENT_STANDIN_INTROSPECTION_PORT"
# Stands for the ACS websocket closing: real ECS has no such route, the emulator does.
SESSION_END_PATH = "/_emulator/ecs/agent-session"
SESSION_END_TIMEOUT = 2

init_log = AgentLog(f"{ECS_LOG_DIR}/ecs-init.log")
log = AgentLog(f"{ECS_LOG_DIR}/ecs-agent.log")

CLUSTER_MISMATCH = (
    "Data mismatch; saved cluster '{saved}' does not match configured cluster '{configured}'. "
    "Perhaps you want to delete the configured checkpoint file?"
)
INSTANCE_MISMATCH = (
    "Data mismatch; saved InstanceID '{saved}' does not match current InstanceID '{current}'. Overwriting old datafile"
)


def agent_version() -> str:
    """The ECS agent's version: the package's without its Debian revision (1.90.0-1 carries agent 1.90.0)."""
    return upstream_version(package_version())


def user_agent() -> str:
    return f"amazon-ecs-agent/{agent_version()} (linux)"


def set_to_crash(version: str) -> bool:
    """Test-only knob: the versions listed in the crash file fail at start, as a broken agent release would."""
    try:
        with open(host_path(ECS_STANDIN_CRASH_VERSIONS), encoding="utf-8") as handle:
            listed = {line.strip() for line in handle}
    except OSError:
        return False
    return version in listed


def end_session(endpoint: str, arn: str, region: str) -> None:
    """Tell the endpoint this agent is gone, as the closing ACS websocket tells ECS; best effort, never fails."""
    body = json.dumps({"containerInstance": arn, "region": region, "connected": False}).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + SESSION_END_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": user_agent()},
    )
    try:
        with urllib.request.urlopen(request, timeout=SESSION_END_TIMEOUT) as response:
            response.read()
    except Exception:
        # No such route (real AWS), no endpoint, a timeout: none of it may stop the agent stopping.
        pass


class AgentExit(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def pre_start() -> int:
    problem = docker_ping.ping()
    if problem:
        init_log.error(f"pre-start: Docker is not running or not reachable: {problem}")
        return EXIT_ERROR
    init_log.info("pre-start: Docker is running")
    return 0


def docker_version() -> str:
    try:
        status, body = docker_ping.docker_get("/version")
        if status == 200:
            return "DockerVersion: " + json.loads(body).get("Version", "unknown")
    except (OSError, ValueError):
        pass
    return "DockerVersion: unknown"


def attributes(config: EcsConfig) -> list:
    names = [
        "ecs.capability.external",
        "com.amazonaws.ecs.capability.docker-remote-api.1.17",
        "ecs.capability.execution-role-awslogs",
        "ecs.os-type",
    ]
    if config.gpu_support:
        names.append("ecs.capability.gpu")
    result = [{"name": name} for name in names]
    result[names.index("ecs.os-type")]["value"] = "linux"
    result.append({"name": "ecs.cpu-architecture", "value": "arm64" if platform.machine() == "aarch64" else "x86_64"})
    return result


def register(client: JsonClient, config: EcsConfig, instance_id: str, saved: dict) -> str:
    """The container instance ARN, registering or re-registering as the real agent does."""
    identity = json.dumps({"instanceId": instance_id, "region": config.region})
    request = {
        "cluster": config.cluster,
        "instanceIdentityDocument": identity,
        "instanceIdentityDocumentSignature": "",
        "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024 * (os.cpu_count() or 1)},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024},
        ],
        "versionInfo": {"agentVersion": agent_version(), "agentHash": "standin", "dockerVersion": docker_version()},
        "attributes": attributes(config),
    }
    if saved["ContainerInstanceArn"]:
        arn = saved["ContainerInstanceArn"]
        log.info(f"Restored from checkpoint file. I am running as '{arn}' in cluster '{config.cluster}'")
        request["containerInstanceArn"] = arn
        try:
            client.call("RegisterContainerInstance", request)
        except AwsError as error:
            # A deregistered instance cannot come back: this repeats on every restart until the data is cleared.
            log.error(f"Error re-registering container instance: {error}")
            raise AgentExit(EXIT_ERROR) from None
        return arn

    if not config.cluster_configured:
        log.info("Creating cluster 'default': no cluster configured")
        try:
            client.call("CreateCluster", {"clusterName": config.cluster})
        except AwsError as error:
            log.error(f"Error creating the default cluster: {error}")
            raise AgentExit(EXIT_ERROR) from None
    log.info("Registering Instance with ECS")
    try:
        answer = client.call("RegisterContainerInstance", request)
    except AwsError as error:
        log.error(f"Error registering: {error}")
        if error.code == "InvalidParameterException":
            log.critical("Instance registration attempt with an invalid parameter")
            raise AgentExit(EXIT_TERMINAL) from None
        raise AgentExit(EXIT_ERROR) from None
    arn = answer["containerInstance"]["containerInstanceArn"]
    log.info(f"Registration completed successfully. I am running as '{arn}' in cluster '{config.cluster}'")
    return arn


def run_agent(stopping: threading.Event) -> int:
    config = EcsConfig.load()
    version = agent_version()
    log.info(f"Starting Amazon ECS Agent, version {version}")
    if set_to_crash(version):
        log.critical("standin: this agent version is set to crash on this host")
        return EXIT_ERROR
    if not config.external:
        # Without ECS_EXTERNAL=true the agent asks EC2's instance metadata service, which on-premises hosts lack.
        log.critical(
            "Unable to get instance identity document: EC2 instance metadata is not reachable (ECS_EXTERNAL is not true)"
        )
        return EXIT_ERROR
    if not config.region:
        log.critical("Unable to determine the region: set AWS_DEFAULT_REGION")
        return EXIT_ERROR
    instance_id = ssm_registration.load()["instanceID"]
    if not instance_id:
        log.critical("Unable to get the managed instance ID: the SSM agent is not registered")
        return EXIT_ERROR

    saved = ecs_state.load()
    if saved["Cluster"] and saved["Cluster"] != config.cluster:
        log.critical(CLUSTER_MISMATCH.format(saved=saved["Cluster"], configured=config.cluster))
        return EXIT_TERMINAL
    if saved["Cluster"]:
        log.info(f"Restored cluster '{saved['Cluster']}'")
    if saved["EC2InstanceID"] and saved["EC2InstanceID"] != instance_id:
        log.warn(INSTANCE_MISMATCH.format(saved=saved["EC2InstanceID"], current=instance_id))
        saved = {"Cluster": "", "ContainerInstanceArn": "", "EC2InstanceID": ""}

    endpoint = endpoint_url(config.backend_host, "ecs", config.region)
    client = JsonClient("ecs", config.region, endpoint, user_agent(), instance_id)
    try:
        arn = register(client, config, instance_id, saved)
    except AgentExit as exit_:
        return exit_.code
    ecs_state.save(config.cluster, arn, instance_id)

    port = int(os.environ.get(PORT_ENV, "51678"))
    server = serve_metadata(
        port,
        {
            "Cluster": config.cluster,
            "ContainerInstanceArn": arn,
            "Version": f"Amazon ECS Agent - v{version} (stand-in)",
        },
    )
    log.info(f"Introspection server listening on 127.0.0.1:{server.server_address[1]}")
    interval = float(os.environ.get(POLL_ENV, "20"))
    try:
        while not stopping.is_set():
            try:
                client.call("DiscoverPollEndpoint", {"containerInstance": arn, "cluster": config.cluster})
            except AwsError as error:
                log.error(f"Unable to discover poll endpoint: {error}")
            stopping.wait(interval)
        # Stopped by SIGTERM (systemd) or SIGINT: the session ends as the ACS websocket closes.
        end_session(endpoint, arn, config.region)
    finally:
        server.shutdown()
    log.info("Stopping the agent")
    return 0


def start() -> int:
    if pre_start() != 0:
        return EXIT_ERROR
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    init_log.info("start: starting the ECS agent")
    code = run_agent(stopping)
    init_log.info(f"start: agent exited with status {code}")
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else ""
    if command == "pre-start":
        return pre_start()
    if command == "start":
        return start()
    if command in ("stop", "post-stop", "reload-cache"):
        # systemd stops the agent by signalling 'start'; nothing else to clean up.
        return 0
    if command == "version":
        print(f"amazon-ecs-init {agent_version()}")
        return 0
    sys.stderr.write("Usage: amazon-ecs-init [pre-start|start|stop|post-stop|reload-cache|version]\n")
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
