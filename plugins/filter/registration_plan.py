# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each host of a batch needs, decided once for the whole batch.

The external_instance role looks the batch up in SSM and ECS with one call per
50 or 100 ids, then decides for every host at once. Deciding in each host
instead (a task per host filtering the whole batch's lookup) grows with the
square of the batch: this is a dict lookup per host.
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import currency

DOCUMENTATION = r"""
---
name: registration_plan
short_description: Decide what each host of a batch needs to register with SSM and ECS
version_added: 0.1.0
description:
  - Used by the P(onprem.ecs_anywhere.external_instance#role) role, once per play batch, on the
    controller. It matches each host's own registration (the managed instance id in its SSM key
    file, the cluster in its ECS agent configuration) with what SSM and ECS report, and returns
    what every host needs (a new SSM registration, a new ECS registration, the container
    instances it leaves behind, its place in the batch's hybrid activations).
  - The settings the batch's AWS work runs with once must be the same on every host of the batch;
    a host that differs is an error naming the setting and the hosts.
options:
  _input:
    description:
      - One entry per host of the batch, as P(onprem.ecs_anywhere.host_snapshot#module) notes it.
      - "Keys: C(name), C(instance_id), C(cluster) (the host's current ECS_CLUSTER),
        C(container_instance_arn) (the one its ECS agent reports), C(start_agents), C(force_reregister), C(drain_timeout),
        C(drain_force), C(batch) (the settings that must be the same on all hosts)."
    type: list
    elements: dict
    required: true
  managed_instances:
    description: The batch's managed instances, as P(onprem.ecs_anywhere.managed_instance_info#module) returns them.
    type: list
    elements: dict
    default: []
  container_instances:
    description: The batch's container instances, as P(onprem.ecs_anywhere.container_instance_info#module) returns them.
    type: list
    elements: dict
    default: []
  cluster:
    description: The ECS cluster the hosts must be in.
    type: str
    required: true
  activation_size:
    description: Hosts per hybrid activation (SSM's limit is 1000).
    type: int
    default: 1000
  named_instance_ids:
    description:
      - The managed instances SSM shows carrying the naming marker their host expects (C(naming_marker)
        of the host's entry, looked up with the marker's tag filter). They are named and tagged as wanted.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Decide what the hosts of the batch need
  ansible.builtin.set_fact:
    plan: >-
      {{ ansible_play_batch | map('extract', hostvars, ['snapshot', 'host']) | list
         | onprem.ecs_anywhere.registration_plan(ssm_lookup.instances, ecs_lookup.container_instances, 'edge') }}
  run_once: true
"""

RETURN = r"""
_value:
  description: The batch's plan.
  type: dict
  contains:
    hosts:
      description:
        - Per host name, C(managed_instance) and C(container_instance) (as found, V({}) when none),
          C(needs_ssm_registration), C(needs_ecs_registration), C(activation) (index of the
          host's activation, or V(null)), C(start_agents), C(instance_name), C(instance_tags) and
          C(named) (the managed instance is named and tagged as wanted).
      type: dict
    activation_of:
      description:
        - Per host that registers with SSM, in batch order, the index of its activation. Small
          when little is to be done, so hosts look themselves up here rather than in RV(_value.hosts).
      type: dict
    ecs_registering:
      description: The hosts that register with ECS, as keys.
      type: dict
    leave:
      description:
        - The container instances the hosts leave behind, grouped by C(cluster), C(drain_timeout)
          and C(force); each group has C(instances). Among them, live container instances of a
          host's managed instance other than the one its agent is (an agent that lost its data
          registered anew), deregistered with C(force).
      type: list
      elements: dict
    deregister:
      description:
        - What taking the hosts out (C(ecs_anywhere_state=absent)) deregisters, for the hosts SSM
          knows, C(container_instances), grouped as RV(_value.leave) is, and C(managed_instances),
          each as C({instance_id}).
      type: dict
    replaced_identities:
      description:
        - The managed instances the hosts replace (C(ecs_anywhere_force_reregister)), each as
          C({instance_id}), ready for the O(onprem.ecs_anywhere.managed_instance#module:instances) option.
      type: list
      elements: dict
"""


_LIVE = ("ACTIVE", "DRAINING")


def _check_same_settings(hosts):
    """The batch's AWS work runs once, with one host's settings: they must be everyone's."""
    problems = []
    first = hosts[0].get("batch", {})
    for key in first:
        values = {}
        for host in hosts:
            values.setdefault(str(host.get("batch", {}).get(key)), []).append(host["name"])
        if len(values) > 1:
            described = "; ".join(
                f"{value!r} on {', '.join(names[:5])}" + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                for value, names in values.items()
            )
            problems.append(f"{key}: must be the same on every host of a play batch, found {described}")
    if problems:
        raise AnsibleFilterError(
            "; ".join(problems) + ". Run hosts that differ in separate plays (or use serial/--limit)."
        )


class _Groups:
    """Container instances grouped by cluster and drain settings: one module run per group."""

    def __init__(self, into):
        self.into = into
        self.index = {}

    def add(self, cluster, instance, drain_timeout, force):
        key = (cluster, int(drain_timeout), bool(force))
        if key not in self.index:
            self.index[key] = {"cluster": cluster, "drain_timeout": key[1], "force": key[2], "instances": []}
            self.into.append(self.index[key])
        self.index[key]["instances"].append(instance)


def _current_and_leftovers(candidates, reported_arn):
    """The container instance a host's ECS agent is, and the live leftovers of the same mi- id.

    An agent that lost its data registers a new container instance; the old one stays ACTIVE,
    disconnected, for ever. The current one is the one the agent reports, else the live one that
    ranks first (connected, then newest), else any. Leftovers are only named when the current
    one is known for sure (reported, or connected): otherwise nothing tells them apart.
    """
    if not candidates:
        return {}, []
    live = sorted((item for item in candidates if item.get("status") in _LIVE), key=currency, reverse=True)
    reported = [item for item in live if reported_arn and item.get("arn") == reported_arn]
    current = reported[0] if reported else live[0] if live else candidates[0]
    sure = bool(reported) or bool(live and live[0].get("agent_connected"))
    leftovers = [item for item in live if item is not current] if sure else []
    return current, leftovers


def registration_plan(
    hosts,
    managed_instances=None,
    container_instances=None,
    cluster=None,
    *,
    activation_size=1000,
    named_instance_ids=None,
):
    if not isinstance(hosts, list) or not all(isinstance(host, dict) and "name" in host for host in hosts):
        raise AnsibleFilterError("registration_plan: the input must be a list of host entries with a name")
    if not cluster:
        raise AnsibleFilterError("registration_plan: cluster is required")
    if hosts:
        _check_same_settings(hosts)

    by_id = {item["instance_id"]: item for item in managed_instances or []}
    named = set(named_instance_ids or [])
    containers = {}
    for item in container_instances or []:
        containers.setdefault(item.get("ec2_instance_id"), []).append(item)

    plan = {
        "hosts": {},
        "activation_of": {},
        "ecs_registering": {},
        "leave": [],
        "replaced_identities": [],
        "deregister": {"container_instances": [], "managed_instances": []},
    }
    leave = _Groups(plan["leave"])
    deregister = _Groups(plan["deregister"]["container_instances"])

    for host in hosts:
        instance_id = host.get("instance_id") or ""
        managed = by_id.get(instance_id, {}) if instance_id else {}
        container, leftovers = _current_and_leftovers(
            containers.get(instance_id, []) if instance_id else [], host.get("container_instance_arn")
        )
        status = container.get("status", "")
        start = bool(host.get("start_agents", True))
        replaces = not managed or bool(host.get("force_reregister", False))
        entry = {
            "managed_instance": managed,
            "container_instance": container,
            # A host left unstarted registers nowhere and lets go of nothing.
            "needs_ssm_registration": replaces and start,
            "needs_ecs_registration": start and (replaces or status not in _LIVE),
            "activation": None,
            "start_agents": start,
            "instance_name": host.get("instance_name") or host["name"],
            "instance_tags": host.get("instance_tags") or {},
            # SSM shows it carries the naming marker it should (module_utils/naming.py).
            "named": bool(managed) and instance_id in named,
        }
        if start:
            # The container instance of a host moving clusters, drained as the user says.
            local_cluster = host.get("cluster") or ""
            if local_cluster not in ("", cluster) and managed and status not in _LIVE:
                leave.add(local_cluster, instance_id, host.get("drain_timeout", 0), host.get("drain_force", False))
            # The one of an identity about to be replaced: it cannot be managed any more.
            if replaces and status in _LIVE:
                leave.add(cluster, container["arn"], 0, True)
            # Those an agent left behind when it lost its data: nothing runs them any more.
            for leftover in leftovers:
                leave.add(cluster, leftover["arn"], 0, True)
        if entry["needs_ecs_registration"]:
            plan["ecs_registering"][host["name"]] = True
        if entry["needs_ssm_registration"]:
            entry["activation"] = len(plan["activation_of"]) // activation_size
            plan["activation_of"][host["name"]] = entry["activation"]
            if managed:
                plan["replaced_identities"].append({"instance_id": managed["instance_id"]})
        if managed:
            # What ecs_anywhere_state absent takes out: the container instance in the cluster the
            # host is in (drained as the user says), then the managed instance.
            deregister.add(
                host.get("cluster") or cluster,
                instance_id,
                host.get("drain_timeout", 0),
                host.get("drain_force", False),
            )
            plan["deregister"]["managed_instances"].append({"instance_id": instance_id})
        plan["hosts"][host["name"]] = entry
    return plan


class FilterModule:
    def filters(self):
        return {"registration_plan": registration_plan}
