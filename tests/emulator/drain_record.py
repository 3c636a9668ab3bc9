"""Answers from the ECS simulation's records (GET /_emulator/ecs/services, `Emulator.services()`).

The questions a rolling-upgrade test asks: did a service ever run fewer tasks than it should, was a
container instance ever ACTIVE while its agent was not connected (tasks could be placed on a host
that cannot run them), and was any task stopped for a reason other than its instance draining.
"""

from __future__ import annotations

# An interval's end is None while it lasts.
Interval = tuple[float, float | None]


class DrainRecord:
    def __init__(self, records: dict) -> None:
        self._clusters = [
            (region, cluster, content)
            for region, clusters in records["regions"].items()
            for cluster, content in clusters.items()
        ]

    def service(self, name: str, cluster: str | None = None, region: str | None = None) -> dict:
        """The service of that name; cluster and region are needed only where the name is not unique."""
        found = [
            content["services"][name]
            for where_region, where_cluster, content in self._clusters
            if name in content["services"] and cluster in (None, where_cluster) and region in (None, where_region)
        ]
        if len(found) != 1:
            raise LookupError(f"{len(found)} services named {name!r} (cluster {cluster}, region {region})")
        return found[0]

    def min_running(
        self,
        name: str,
        start: float | None = None,
        end: float | None = None,
        cluster: str | None = None,
        region: str | None = None,
    ) -> int:
        """The fewest RUNNING tasks of the service at any moment of [start, end] (open ends: its whole life)."""
        timeline = self.service(name, cluster, region)["runningTimeline"]
        counts = [running for t, running in timeline if (start is None or t > start) and (end is None or t <= end)]
        before = [running for t, running in timeline if start is not None and t <= start]
        if before:
            counts.append(before[-1])
        if not counts:
            raise ValueError(f"service {name!r} did not exist in [{start}, {end}]")
        return min(counts)

    def active_while_disconnected(
        self, start: float | None = None, end: float | None = None
    ) -> list[tuple[str, Interval]]:
        """(container instance ARN, (since, until)) for every time an instance was ACTIVE with its agent
        not connected, overlapping [start, end]; until is None while it lasts."""
        found = []
        for _, _, content in self._clusters:
            for arn, instance in content["containerInstances"].items():
                for since, until in _active_without_agent(instance["history"]):
                    overlaps = (end is None or since <= end) and (start is None or until is None or until > start)
                    if overlaps:
                        found.append((arn, (since, until)))
        return found

    def stops_not_by_draining(self) -> list[dict]:
        """Every stopped task whose reason is not "draining", with its region, cluster and service."""
        return [
            {**task, "region": region, "cluster": cluster, "serviceName": name}
            for region, cluster, content in self._clusters
            for name, service in content["services"].items()
            for task in service["tasks"]
            if task["lastStatus"] == "STOPPED" and task["stoppedReason"] != "draining"
        ]


def _active_without_agent(history: list) -> list[Interval]:
    """The intervals of a [t, status, agentConnected, agentVersion] history where it was ACTIVE, not connected."""
    found: list[Interval] = []
    for index, (t, status, connected, _) in enumerate(history):
        if (status, connected) != ("ACTIVE", False):
            continue
        until = history[index + 1][0] if index + 1 < len(history) else None
        if found and found[-1][1] == t:
            found[-1] = (found[-1][0], until)  # only the agent version changed: one interval
        else:
            found.append((t, until))
    return found
