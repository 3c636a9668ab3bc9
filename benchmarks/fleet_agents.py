"""Stand-in for what the agents of simulated hosts do against AWS once the role has handed them an
activation: the SSM agent registers (`amazon-ssm-agent -register`) and heartbeats, the ECS agent
registers the host's mi- id with the cluster. The same calls, with the agents' User-Agents, that
tests/agents' packages make on the world's real hosts; the call log marks them as the agents'.

  python -m benchmarks.fleet_agents < request.json > answer.json

request: {"endpoint", "hosts": [names], "regions": [each host's region], "clusters": [each host's cluster],
          "instance_ids": [...],
          "activation_indexes": [index into activations, or null: the host keeps its SSM identity],
          "activations": [the role's ssm_activation results: {"activation_id", "activation_code", ...}]}
(an activation {} when the host keeps its identity and only needs ECS); answer: {host: instance_id}.
Each host registers in its own region and cluster (ecs_anywhere_region and ecs_anywhere_cluster,
as ssm_agent.yml and ecs.config give them to its agents), with the activation the role gave it:
an activation of another region is refused, as AWS refuses it.
The activation codes come on stdin only, never as arguments or in a file.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.agents.runtime.aws_json import JsonClient

SSM_AGENT = "amazon-ssm-agent/3.3.1142.0"
ECS_AGENT = "amazon-ecs-agent/1.90.0 (linux)"
# Hosts act in parallel in a real fleet; a few threads keep the emulator busy without swamping 2 cores.
PARALLEL = 8


def register_host(endpoint: str, host: dict) -> tuple[str, str]:
    """The host's managed instance id and container instance ARN, after its agents registered in
    the host's region and cluster."""
    region, cluster = host["region"], host["cluster"]
    instance_id = host["instance_id"]
    if host["activation"].get("id"):
        ssm = JsonClient("ssm", region, endpoint, SSM_AGENT, "agent")
        answer = ssm.call(
            "RegisterManagedInstance",
            {"ActivationId": host["activation"]["id"], "ActivationCode": host["activation"]["code"]},
        )
        instance_id = answer["InstanceId"]
    heartbeat(endpoint, region, instance_id, host["host"])
    ecs = JsonClient("ecs", region, endpoint, ECS_AGENT, instance_id)
    answer = ecs.call(
        "RegisterContainerInstance",
        {
            "cluster": cluster,
            "instanceIdentityDocument": json.dumps({"instanceId": instance_id, "region": region}),
            "instanceIdentityDocumentSignature": "",
            "totalResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 3900},
            ],
        },
    )
    return instance_id, answer["containerInstance"]["containerInstanceArn"]


def heartbeat(endpoint: str, region: str, instance_id: str, computer_name: str) -> None:
    JsonClient("ssm", region, endpoint, SSM_AGENT, instance_id).call(
        "UpdateInstanceInformation",
        {
            "InstanceId": instance_id,
            "AgentVersion": "3.3.1142.0",
            "AgentStatus": "Active",
            "AgentName": "amazon-ssm-agent",
            "PlatformName": "Debian GNU/Linux",
            "PlatformVersion": "12",
            "PlatformType": "Linux",
            "ComputerName": computer_name,
            "IPAddress": "192.0.2.10",
        },
    )


def register_all(request: dict) -> dict[str, str]:
    activations = [
        {"id": activation.get("activation_id", ""), "code": activation.get("activation_code", "")}
        for activation in request["activations"]
    ]
    hosts = [
        {
            "host": name,
            "region": region,
            "cluster": cluster,
            "instance_id": instance_id,
            "activation": activations[index] if index is not None else {},
        }
        for name, region, cluster, instance_id, index in zip(
            request["hosts"],
            request["regions"],
            request["clusters"],
            request["instance_ids"],
            request["activation_indexes"],
            strict=True,
        )
    ]
    with ThreadPoolExecutor(PARALLEL) as pool:
        ids = pool.map(lambda host: register_host(request["endpoint"], host), hosts)
        return {host["host"]: registered[0] for host, registered in zip(hosts, ids, strict=True)}


def main() -> int:
    json.dump(register_all(json.load(sys.stdin)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
