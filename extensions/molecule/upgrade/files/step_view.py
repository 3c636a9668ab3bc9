"""One step's view of the world, from the emulator and the hosts (stdin: JSON with `state` (GET
/_emulator/state), `services` (GET /_emulator/ecs/services), `hosts` (host -> host_agents.py's
answer) and `since` (the step's start, epoch seconds)). Prints JSON: per host what AWS says of its
agents beside what the host has, and what the cluster's users saw during the step."""

import json
import sys

from tests.emulator.drain_record import DrainRecord

given = json.load(sys.stdin)
state, records, since = given["state"], given["services"], float(given["since"])
managed = {item["InstanceId"]: item for item in state["managed_instances"]}
containers = {item["containerInstanceArn"]: item for items in state["container_instances"].values() for item in items}
hosts = {}
for name, host in given["hosts"].items():
    ssm, ecs = managed.get(host["instance_id"], {}), containers.get(host["arn"], {})
    hosts[name] = {
        "packages": host["packages"],
        "cache": host["cache"],
        "instance_id": host["instance_id"],
        "arn": host["arn"],
        "ssm_agent": ssm.get("AgentVersion", ""),
        "ping": ssm.get("PingStatus", ""),
        "ecs_agent": (ecs.get("versionInfo") or {}).get("agentVersion", ""),
        "status": ecs.get("status", ""),
        "connected": bool(ecs.get("agentConnected")),
        "running_tasks": ecs.get("runningTasksCount", 0),
    }
    hosts[name]["versions"] = {
        "ecs_agent": hosts[name]["ecs_agent"],
        "ssm_agent": hosts[name]["ssm_agent"],
        "ecs_package": host["packages"].get("amazon-ecs-init", ""),
    }

record = DrainRecord(records)
spells = []  # (since, until) of every DRAINING spell that overlaps the step
for clusters in records["regions"].values():
    for content in clusters.values():
        for instance in content["containerInstances"].values():
            history = instance["history"]
            for index, (t, status, _connected, _version) in enumerate(history):
                if status == "DRAINING" and (index == 0 or history[index - 1][1] != "DRAINING"):
                    ends = [later[0] for later in history[index + 1 :] if later[1] != "DRAINING"]
                    until = ends[0] if ends else None
                    if until is None or until > since:
                        spells.append((t, until))
print(
    json.dumps(
        {
            "hosts": hosts,
            "min_running": record.min_running("web", start=since),
            "running_now": record.service("web")["runningTimeline"][-1][1],
            "active_while_disconnected": record.active_while_disconnected(start=since),
            "stops_not_by_draining": [
                task for task in record.stops_not_by_draining() if (task.get("stoppedAt") or 0) > since
            ],
            # The most instances DRAINING at one moment (counted where each spell begins).
            "most_draining_at_once": max(
                (sum(1 for s, u in spells if s <= t and (u is None or u > t)) for t, _ in spells), default=0
            ),
            "drains": len(spells),
        }
    )
)
