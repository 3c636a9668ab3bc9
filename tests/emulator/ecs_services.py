"""ECS services on external container instances, simulated: task placement, drains, agent disconnects.

What a user sees of ECS's service scheduler while hosts are drained and their agents upgraded:
new tasks go to ACTIVE instances whose agent is connected, fewest tasks first, and run after
`task_start_seconds`; a DRAINING instance's tasks are replaced as with minimumHealthyPercent 100
(the replacement runs before the old task stops); an agent that disconnects, or an instance that is
deregistered, loses its tasks at once, and the service replaces them.

Evaluated lazily: each ECS call and control route first `advance`s to its own moment, handling in
time order what came due since (a ping timeout, a task reaching RUNNING), each at its exact time;
after the call, `settle` records and answers what the call itself changed. So every time in the
records is the moment a thing happened, not the moment somebody looked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from tests.emulator import ACCOUNT_ID
from tests.emulator.regions import partition_of

DRAINING_REASON = "draining"
DEREGISTERED_REASON = "deregistered"
SCALED_IN_REASON = "scaled in"
LIVE_STATUSES = ("PENDING", "RUNNING")


def agent_connected(instance: dict, at: float, ping_timeout: float) -> bool:
    """Whether ECS reports the instance's agent connected at `at`: a contact within the ping timeout
    and no session ended since."""
    return (
        instance["status"] != "INACTIVE"
        and not instance.get("_session_ended", False)
        and at - instance["_last_contact"] <= ping_timeout
    )


def _disconnect_reason(status: str) -> str:
    return DEREGISTERED_REASON if status == "INACTIVE" else f"agent disconnected while {status}"


class ServiceScheduler:
    """Services by (region, cluster, name) and their tasks; the container instances stay the caller's.

    Each instance dict gets `_history` ([t, status, agentConnected, agentVersion] per change) and
    `_other_running` (tasks set through the control API, owned by no service); its runningTasksCount
    and pendingTasksCount are kept equal to what runs on it.
    """

    def __init__(self, instances: Callable[[], Iterable[dict]], settings) -> None:
        self._instances = instances
        self._settings = settings
        self.reset()

    def reset(self) -> None:
        self.services: dict[tuple[str, str, str], dict] = {}
        # The moment the simulation has reached: nothing is ever recorded before it.
        self._clock = 0.0

    # --- moving in time ------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        """Handle, in time order and each at its own moment, what came due up to `now`."""
        while True:
            due = self._next_event(now)
            if due is None:
                break
            at, handle = due
            self._clock = max(self._clock, at)
            handle(self._clock)
        self._clock = max(self._clock, now)
        self._refresh_counts()

    def settle(self, now: float) -> None:
        """Record what a call changed at `now` (status, connection, agent version) and answer it."""
        self._clock = max(self._clock, now)
        for instance in self._instances():
            self._record(instance, self._clock, agent_connected(instance, now, self._settings["ping_timeout"]))
        for region, cluster in {(key[0], key[1]) for key in self.services}:
            self._reconcile(region, cluster, self._clock)
        self._refresh_counts()

    def _next_event(self, now: float) -> tuple[float, Callable[[float], None]] | None:
        events: list[tuple[float, Callable[[float], None]]] = []
        ping_timeout = self._settings["ping_timeout"]
        for instance in self._instances():
            lost_at = instance["_last_contact"] + ping_timeout
            if self._recorded(instance)[1] and lost_at <= now and not agent_connected(instance, now, ping_timeout):
                events.append((lost_at, lambda at, instance=instance: self._lose_agent(instance, at)))
        start_seconds = self._settings["task_start_seconds"]
        for service in self.services.values():
            for task in service["tasks"]:
                if task["lastStatus"] == "PENDING" and task["placedAt"] is not None:
                    starts_at = task["placedAt"] + start_seconds
                    if starts_at <= now:
                        events.append((starts_at, lambda at, s=service, t=task: self._start_task(s, t, at)))
        return min(events, key=lambda event: event[0]) if events else None

    def _lose_agent(self, instance: dict, at: float) -> None:
        self._record(instance, at, connected=False)
        self._reconcile(instance["_region"], instance["_cluster"], at)

    def _start_task(self, service: dict, task: dict, at: float) -> None:
        task["lastStatus"] = "RUNNING"
        task["startedAt"] = at
        self._note_running(service, at)
        self._reconcile(service["_region"], service["_cluster"], at)

    # --- container instances -------------------------------------------------------------------------

    @staticmethod
    def _recorded(instance: dict) -> tuple[str, bool, str | None]:
        """Status, agentConnected and agent version as last recorded (not connected before the first record)."""
        if not instance.get("_history"):
            return instance["status"], False, None
        _, status, connected, version = instance["_history"][-1]
        return status, connected, version

    def _record(self, instance: dict, at: float, connected: bool) -> None:
        """Append to the instance's history if status, connection or agent version changed; an agent
        that disconnects, or an instance deregistered, loses its tasks at that moment."""
        now = [instance["status"], connected, (instance.get("versionInfo") or {}).get("agentVersion")]
        history = instance.setdefault("_history", [])
        if history and history[-1][1:] == now:
            return
        was_live = bool(history) and history[-1][1] != "INACTIVE" and history[-1][2]
        history.append([at, *now])
        if was_live and not (connected and instance["status"] != "INACTIVE"):
            reason = _disconnect_reason(instance["status"])
            for service in self.services.values():
                stopped = [
                    t for t in service["tasks"] if t["lastStatus"] in LIVE_STATUSES and t["_instance"] is instance
                ]
                self._stop(service, stopped, reason, at)

    def _refresh_counts(self) -> None:
        running: dict[int, int] = {}
        pending: dict[int, int] = {}
        for service in self.services.values():
            for task in service["tasks"]:
                if task["_instance"] is not None:
                    counts = running if task["lastStatus"] == "RUNNING" else pending
                    if task["lastStatus"] in LIVE_STATUSES:
                        counts[id(task["_instance"])] = counts.get(id(task["_instance"]), 0) + 1
        for instance in self._instances():
            instance["runningTasksCount"] = instance.get("_other_running", 0) + running.get(id(instance), 0)
            instance["pendingTasksCount"] = pending.get(id(instance), 0)

    # --- services ------------------------------------------------------------------------------------

    def put_service(self, region: str, cluster: str, name: str, desired_count: int, now: float) -> dict:
        """Create the service, or set the desired count of an existing one."""
        service = self.services.get((region, cluster, name))
        if service is None:
            service = self.services[(region, cluster, name)] = {
                "serviceName": name,
                "createdAt": now,
                "tasks": [],
                "runningTimeline": [[now, 0]],
                "steadyAt": None,
                "minRunningSinceSteady": None,
                "_region": region,
                "_cluster": cluster,
            }
        service["desiredCount"] = desired_count
        self._note_running(service, now)
        return service

    def _reconcile(self, region: str, cluster: str, at: float) -> None:
        """Bring the cluster's services to their desired counts as ECS's scheduler would."""
        instances = [i for i in self._instances() if i["_region"] == region and i["_cluster"] == cluster]
        eligible = [i for i in instances if self._recorded(i)[:2] == ("ACTIVE", True)]
        draining = {id(i) for i in instances if self._recorded(i)[0] == "DRAINING"}
        for service in sorted(
            (s for s in self.services.values() if (s["_region"], s["_cluster"]) == (region, cluster)),
            key=lambda s: s["createdAt"],
        ):
            live = [t for t in service["tasks"] if t["lastStatus"] in LIVE_STATUSES]
            on_draining = [t for t in live if t["_instance"] is not None and id(t["_instance"]) in draining]
            # ECS stops a draining instance's PENDING service tasks at once; RUNNING ones wait for replacements.
            self._stop(service, [t for t in on_draining if t["lastStatus"] == "PENDING"], DRAINING_REASON, at)
            for task in live:
                if task["_instance"] is None and task["lastStatus"] == "PENDING":
                    self._place(task, eligible, at)
            leaving = {id(t) for t in on_draining}
            keepers = [t for t in live if id(t) not in leaving]
            shortfall = service["desiredCount"] - len(keepers)
            for _ in range(shortfall):
                self._new_task(service, eligible, at)
            if shortfall < 0:
                # Unplaced first, then PENDING, then the newest RUNNING.
                order = sorted(
                    keepers,
                    key=lambda t: (t["_instance"] is not None, t["lastStatus"] == "RUNNING", -(t["startedAt"] or 0)),
                )
                self._stop(service, order[:-shortfall], SCALED_IN_REASON, at)
            old = sorted((t for t in on_draining if t["lastStatus"] == "RUNNING"), key=lambda t: t["startedAt"])
            running = sum(t["lastStatus"] == "RUNNING" for t in service["tasks"])
            self._stop(service, old[: max(0, running - service["desiredCount"])], DRAINING_REASON, at)

    def _tasks_on(self, instance: dict) -> int:
        live = sum(
            t["lastStatus"] in LIVE_STATUSES and t["_instance"] is instance
            for s in self.services.values()
            for t in s["tasks"]
        )
        return live + instance.get("_other_running", 0)

    def _place(self, task: dict, eligible: list[dict], at: float) -> None:
        if eligible:
            instance = min(eligible, key=lambda i: (self._tasks_on(i), i["registeredAt"]))
            task["_instance"] = instance
            task["containerInstanceArn"] = instance["containerInstanceArn"]
            task["placedAt"] = at

    def _new_task(self, service: dict, eligible: list[dict], at: float) -> None:
        task_id = uuid.uuid4().hex
        region, cluster = service["_region"], service["_cluster"]
        task = {
            "taskArn": f"arn:{partition_of(region)}:ecs:{region}:{ACCOUNT_ID}:task/{cluster}/{task_id}",
            "taskId": task_id,
            "containerInstanceArn": None,
            "lastStatus": "PENDING",
            "createdAt": at,
            "placedAt": None,
            "startedAt": None,
            "stoppedAt": None,
            "stoppedReason": None,
            "_instance": None,
        }
        service["tasks"].append(task)
        self._place(task, eligible, at)

    def _stop(self, service: dict, tasks: list[dict], reason: str, at: float) -> None:
        for task in tasks:
            task["lastStatus"] = "STOPPED"
            task["stoppedAt"] = at
            task["stoppedReason"] = reason
        if tasks:
            self._note_running(service, at)

    @staticmethod
    def _note_running(service: dict, at: float) -> None:
        running = sum(t["lastStatus"] == "RUNNING" for t in service["tasks"])
        if service["runningTimeline"][-1][1] != running:
            service["runningTimeline"].append([at, running])
        if service["steadyAt"] is None and running >= service["desiredCount"]:
            service["steadyAt"] = at
            service["minRunningSinceSteady"] = running
        elif service["steadyAt"] is not None:
            service["minRunningSinceSteady"] = min(service["minRunningSinceSteady"], running)

    # --- records -------------------------------------------------------------------------------------

    @staticmethod
    def service_view(service: dict) -> dict:
        # Copies: the answer is serialised after the lock is released.
        view = {key: value for key, value in service.items() if not key.startswith("_") and key != "tasks"}
        view["runningTimeline"] = [list(entry) for entry in service["runningTimeline"]]
        view["tasks"] = [{k: v for k, v in t.items() if not k.startswith("_")} for t in service["tasks"]]
        view["runningCount"] = sum(t["lastStatus"] == "RUNNING" for t in service["tasks"])
        view["pendingCount"] = sum(t["lastStatus"] == "PENDING" for t in service["tasks"])
        return view

    def records(self) -> dict:
        """Every service and container instance by region and cluster (GET /_emulator/ecs/services)."""
        regions: dict[str, dict] = {}

        def cluster_of(region: str, cluster: str) -> dict:
            clusters = regions.setdefault(region, {})
            return clusters.setdefault(cluster, {"services": {}, "containerInstances": {}})

        for (region, cluster, name), service in sorted(self.services.items()):
            cluster_of(region, cluster)["services"][name] = self.service_view(service)
        for instance in self._instances():
            cluster_of(instance["_region"], instance["_cluster"])["containerInstances"][
                instance["containerInstanceArn"]
            ] = {
                "ec2InstanceId": instance["ec2InstanceId"],
                "history": [list(entry) for entry in instance.get("_history", [])],
                "otherRunningTasks": instance.get("_other_running", 0),
            }
        return {"regions": regions}
