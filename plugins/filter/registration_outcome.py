# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each host of a batch stands once it did its part, decided once for the whole batch."""

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import (
    Groups,
    connection,
    connection_key,
    looped_results,
)
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.naming import MARKER_KEY, naming_marker

DOCUMENTATION = r"""
---
name: registration_outcome
short_description: Where each host of a batch stands after registering, and what is left to do
version_added: 0.1.0
description:
  - Used by the P(onprem.ecs_anywhere.external_instance#role) role, once per play batch, on the
    controller, after the hosts' agents registered. It says which managed instance ids to wait
    for, which hosts are not ready (with the message they fail with), which managed instances
    to name and tag, and the per-host report.
options:
  _input:
    description: The batch's plan, as P(onprem.ecs_anywhere.registration_plan#filter) returned it.
    type: dict
    required: true
  instance_ids:
    description: Per host name, the managed instance id the host holds now (V('') when none).
    type: dict
    required: true
  failures:
    description: Per host name, why the host failed (V('') when it did not).
    type: dict
    default: {}
  managed_instances:
    description:
      - What SSM reports now, as P(onprem.ecs_anywhere.managed_instance_info#module) returns it
        (the instances of every connection's wait, one list).
    type: list
    elements: dict
    default: []
  container_instances:
    description:
      - What ECS reports now, as P(onprem.ecs_anywhere.container_instance_info#module) returns it
        (the container instances of every cluster's wait, one list).
    type: list
    elements: dict
    default: []
  ghosts:
    description:
      - The results of looking up, per group of RV(onprem.ecs_anywhere.registration_plan#filter:_value.ghost_lookups),
        the managed instances carrying the collection's naming marker and a registering host's Name tag (each
        result with C(item) and C(instances), their tags included). Those whose marker holds their own id, other
        than what the host holds, are the host's ghosts, taken out once the host's new identity is up.
    type: list
    elements: dict
    default: []
  versions_seen:
    description:
      - Per host name, the agent versions (C(ssm_agent), C(ecs_agent)) AWS reported once the host changed
        an agent's version in this run; they are the report's C(after).
    type: dict
    default: {}
  upgrades_pending:
    description: The hosts whose ECS agent upgrade follows, host by host (a note in the report).
    type: list
    elements: str
    default: []
  check_mode:
    description: A check run waits for nothing and names nothing.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Note where the hosts stand
  ansible.builtin.set_fact:
    outcome: >-
      {{ plan | onprem.ecs_anywhere.registration_outcome(ids_now, failures=failures,
         managed_instances=ssm_wait.results | map(attribute='instances', default=[]) | flatten(levels=1),
         container_instances=ecs_wait.results | map(attribute='container_instances', default=[]) | flatten(levels=1)) }}
  run_once: true
"""

RETURN = r"""
_value:
  description: Where the batch stands.
  type: dict
  contains:
    waiting:
      description:
        - The managed instance ids to wait for (hosts that registered and did not fail), grouped
          per connection (C(aws), C(instance_ids), C(verify_timeout), the longest of the group's hosts).
      type: list
      elements: dict
    waiting_ecs:
      description: The same ids grouped per connection and cluster (C(aws), C(cluster), C(instance_ids), C(verify_timeout)).
      type: list
      elements: dict
    failures:
      description: Per host that fails, its message.
      type: dict
    naming:
      description:
        - The managed instances to name and tag, grouped per connection (C(aws), C(instances)); each group's
          C(instances) as the O(onprem.ecs_anywhere.managed_instance#module:instances) option takes them,
          each with the naming marker among its tags (those registered now, and those the plan did not find named).
      type: list
      elements: dict
    ghosts:
      description:
        - What the hosts that registered anew and are up leave behind (ghosts of a reimaged or cloned-over host).
          C(container_instances) are grouped per connection, cluster and the host's drain settings,
          C(managed_instances) per connection.
      type: dict
    report:
      description:
        - Per host that did not fail, C(managed_instance_id), C(container_instance_arn), C(region),
          C(cluster), C(agent_versions) (C(ssm_agent) and C(ecs_agent), each C(before) and C(after) as AWS
          reports them) and, when something else happened, C(note) (a clone registered anew, ghosts taken
          out, an ECS agent upgrade that follows).
      type: dict
"""


def _not_ready(managed, container):
    return (
        managed.get("ping_status") != "Online"
        or container.get("status") != "ACTIVE"
        or not container.get("agent_connected")
    )


def _agent_versions(entry, managed, container, seen):
    """The agents' versions as AWS reported them before the run and after it (a change this run verified)."""
    before = {
        "ssm_agent": (entry.get("managed_instance") or {}).get("agent_version") or "",
        "ecs_agent": (entry.get("container_instance") or {}).get("agent_version") or "",
    }
    now = {"ssm_agent": managed.get("agent_version") or "", "ecs_agent": container.get("agent_version") or ""}
    return {agent: {"before": before[agent], "after": seen.get(agent) or now[agent]} for agent in before}


def _ghosts_by_name(results):
    """Managed instance ids per (connection key, Name tag), of those the collection named (the
    marker holds the instance's own id)."""
    found = {}
    for item, instances in looped_results(results, "instances"):
        key = connection_key(connection(item))
        for instance in instances:
            tags = instance.get("tags") or {}
            if tags.get("Name") and str(tags.get(MARKER_KEY) or "").startswith(instance["instance_id"] + ":"):
                found.setdefault((key, tags["Name"]), []).append(instance["instance_id"])
    return found


def registration_outcome(
    plan,
    instance_ids,
    *,
    failures=None,
    managed_instances=None,
    container_instances=None,
    ghosts=None,
    versions_seen=None,
    upgrades_pending=None,
    check_mode=False,
):
    """Where each host of the batch stands once the hosts did their part.

    ``instance_ids`` and ``failures`` map host names to the managed instance id the host holds now
    and to why it failed (empty when it did not); ``managed_instances`` and ``container_instances``
    are what SSM and ECS report now for the hosts that registered (as the info modules return them).
    """
    failures = failures or {}
    versions_seen = versions_seen or {}
    upgrades_pending = set(upgrades_pending or [])
    managed_now = {item["instance_id"]: item for item in managed_instances or []}
    container_now = {}
    for item in container_instances or []:
        container_now.setdefault(item.get("ec2_instance_id"), item)
    ghosts_of = _ghosts_by_name(ghosts)
    outcome = {
        "waiting": [],
        "waiting_ecs": [],
        "failures": {},
        "naming": [],
        "ghosts": {"container_instances": [], "managed_instances": []},
        "report": {},
    }
    waiting = Groups(outcome["waiting"], ("aws",), "instance_ids")
    waiting_ecs = Groups(outcome["waiting_ecs"], ("aws", "cluster"), "instance_ids")
    naming = Groups(outcome["naming"], ("aws",))
    ghost_containers = Groups(outcome["ghosts"]["container_instances"], ("aws", "cluster", "drain_timeout", "force"))
    ghost_managed = Groups(outcome["ghosts"]["managed_instances"], ("aws",))
    # The hosts still in the batch: one that failed outside the role's rescue is gone from it.
    for name, held in instance_ids.items():
        entry = plan["hosts"].get(name)
        if entry is None:
            continue
        aws, cluster = entry.get("aws") or {}, entry.get("cluster") or ""
        instance_id = held or ""
        failure = failures.get(name) or ""
        managed = managed_now.get(instance_id, entry["managed_instance"]) if instance_id else entry["managed_instance"]
        container = (
            container_now.get(instance_id, entry["container_instance"]) if instance_id else entry["container_instance"]
        )
        waits = entry["needs_ecs_registration"] and not failure and not check_mode
        if waits and instance_id:
            for group in (
                waiting.add(instance_id, aws=aws, verify_timeout=0),
                waiting_ecs.add(instance_id, aws=aws, cluster=cluster, verify_timeout=0),
            ):
                group["verify_timeout"] = max(group["verify_timeout"], entry.get("verify_timeout") or 0)
        if waits and _not_ready(managed, container):
            failure = (
                "{name} ({instance_id}) is not ready after {timeout} s (ecs_anywhere_verify_timeout): SSM ping status "
                "{ping}, ECS status {status}, agent connected {connected} in cluster {cluster} of {region}. "
                "Check the agents' logs (/var/log/amazon/ssm, journalctl -u ecs) and the network path to AWS."
            ).format(
                name=name,
                instance_id=instance_id or "no managed instance id",
                timeout=entry.get("verify_timeout"),
                ping=managed.get("ping_status") or "unknown",
                status=container.get("status") or "not registered",
                connected=bool(container.get("agent_connected")),
                cluster=cluster,
                region=aws.get("region"),
            )
        usable = not failure and instance_id and entry["start_agents"] and not check_mode
        if usable and (entry["needs_ssm_registration"] or not entry.get("named")):
            marker = naming_marker(instance_id, entry["instance_name"], entry["instance_tags"])
            naming.add(
                {
                    "instance_id": instance_id,
                    "name": entry["instance_name"],
                    "tags": dict(entry["instance_tags"], **{MARKER_KEY: marker}),
                },
                aws=aws,
            )
        # Once the host's new identity is up, what this collection registered for it before goes.
        # Never what the host holds now, held before (a clone's is the original's) or replaced (leave.yml).
        own = {instance_id, entry.get("held_instance_id"), (entry.get("managed_instance") or {}).get("instance_id")}
        ghosts = [
            ghost
            for ghost in ghosts_of.get((connection_key(connection(entry)), entry["instance_name"]), [])
            if ghost not in own
        ]
        ghosts = ghosts if usable and entry["needs_ssm_registration"] else []
        for ghost in ghosts:
            ghost_containers.add(
                ghost,
                aws=aws,
                cluster=cluster,
                drain_timeout=int(entry.get("drain_timeout") or 0),
                force=bool(entry.get("drain_force")),
            )
            ghost_managed.add({"instance_id": ghost}, aws=aws)
        if failure:
            outcome["failures"][name] = failure
        else:
            report = {
                "managed_instance_id": instance_id or "(would register)",
                "container_instance_arn": container.get("arn") or ("(would register)" if check_mode else ""),
                "region": aws.get("region"),
                "cluster": cluster,
            }
            report["agent_versions"] = _agent_versions(entry, managed, container, versions_seen.get(name) or {})
            notes = [entry["clone_note"]] if entry.get("clone_note") else []
            if name in upgrades_pending:
                notes.append(
                    "its ECS agent is upgraded next, host by host behind a drain (ecs_anywhere_upgrade_serial)"
                )
            if ghosts:
                notes.append(f"took out the identities it held before (reimaged or cloned over): {', '.join(ghosts)}")
            if notes:
                report["note"] = "; ".join(notes)
            outcome["report"][name] = report
    return outcome


class FilterModule:
    def filters(self):
        return {"registration_outcome": registration_outcome}
