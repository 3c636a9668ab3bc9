# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each host of a batch needs, decided once for the whole batch.

One batch may hold hosts of several regions, endpoints, profiles and clusters (an inventory
with group_vars per site). batch_lookups (its own filter) groups the batch for its lookups: SSM
per connection (region, endpoint, profile), ECS per connection and cluster, each batched.
registration_plan then decides for every host at once, by dict lookups (O(N)), and groups the writes the same
way: hybrid activations per connection, IAM role, expiry and tags; container instances to let
go of per connection, cluster and drain settings; identities to deregister per connection.
"""

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import (
    Groups,
    connection,
    connection_key,
    looped_results,
)
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
    instances it leaves behind, its hybrid activation), grouped for batched calls.
  - The hosts of a batch may differ in region, endpoint, profile, cluster, IAM role, activation
    settings and drain settings; each group's work is done once. Only C(ecs_anywhere_state) (in
    C(batch)) must be the same on every host of a batch.
  - Hosts holding the same managed instance id (cloned from one registered image) are told
    apart with what SSM's heartbeat reports for that id (computer name, IP address); one keeps
    the identity, the others register anew with their ECS agent's state cleared.
  - For the hosts that register anew it lists, per connection, the names to look up ghosts by,
    the managed instances carrying the collection's naming marker and the host's Name tag that the
    host no longer holds (it was reimaged, or cloned over), taken out once the host's new identity
    is up (see P(onprem.ecs_anywhere.registration_outcome#filter)).
options:
  _input:
    description:
      - One entry per host of the batch, as P(onprem.ecs_anywhere.host_snapshot#module) notes it.
      - "Keys: C(name), C(instance_id), C(cluster) (the host's current ECS_CLUSTER), C(target_cluster),
        C(aws) (C(region), C(endpoint_url), C(profile)), C(activation) (C(role_name), C(expires_in), C(tags)),
        C(container_instance_arn) (the one its ECS agent reports), C(start_agents), C(force_reregister),
        C(drain_timeout), C(drain_force), C(verify_timeout), C(computer_names), C(addresses),
        C(batch) (the settings that must be the same on all hosts)."
    type: list
    elements: dict
    required: true
  named:
    description:
      - The results of looking up, per connection of RV(onprem.ecs_anywhere.batch_lookups#filter:_value.ssm),
        the managed instances carrying the naming marker their host expects (each with C(item) and C(instances)).
        They are named and tagged as wanted.
    type: list
    elements: dict
    default: []
  others:
    description: The results of looking up the other ids of each connection (each with C(item) and C(instances)).
    type: list
    elements: dict
    default: []
  containers:
    description:
      - The results of looking up, per connection and cluster (RV(onprem.ecs_anywhere.batch_lookups#filter:_value.ecs)),
        the container instances (each with C(item) and C(container_instances)).
    type: list
    elements: dict
    default: []
  held_elsewhere:
    description:
      - Per host of the play outside this batch that already ran (earlier batches, with C(serial)), the managed
        instance id it holds now, or candidates in order (the id it registered in its batch, the one it held
        before), the first non-empty one counting. A host of this batch holding one of them is a clone and
        registers anew.
    type: dict
    default: {}
  activation_size:
    description: Hosts per hybrid activation (SSM's limit is 1000).
    type: int
    default: 1000
"""

EXAMPLES = r"""
- name: Decide what the hosts of the batch need
  ansible.builtin.set_fact:
    plan: >-
      {{ batch | onprem.ecs_anywhere.registration_plan(named=named_lookup.results, others=other_lookup.results,
                                                        containers=ecs_lookup.results) }}
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
          host's activation, or V(null)), C(start_agents), C(instance_name), C(instance_tags),
          C(named) (the managed instance is named and tagged as wanted), C(aws), C(cluster),
          C(held_instance_id) (the id the host held before the run), C(clone_of) (the host that keeps the
          identity this host was cloned with, or V('')) and C(clone_note).
      type: dict
    activation_of:
      description:
        - Per host that registers with SSM, in batch order, the index of its activation in
          RV(_value.activations). Small when little is to be done, so hosts look themselves up
          here rather than in RV(_value.hosts).
      type: dict
    activations:
      description:
        - The hybrid activations to create, each with C(aws), C(iam_role), C(expires_in), C(tags),
          C(registration_limit), C(default_instance_name) and C(description); at most
          O(activation_size) hosts each.
      type: list
      elements: dict
    ecs_registering:
      description: The hosts that register with ECS, as keys.
      type: dict
    leave:
      description:
        - The container instances the hosts leave behind, grouped by C(aws), C(cluster),
          C(drain_timeout) and C(force); each group has C(instances).
      type: list
      elements: dict
    replaced_identities:
      description:
        - The managed instances the hosts replace (C(ecs_anywhere_force_reregister)), grouped by
          C(aws), each group's C(instances) as C({instance_id}).
      type: list
      elements: dict
    ghost_lookups:
      description:
        - Per connection, C(aws) and C(names), the Name tags of the hosts that register anew, to look up
          what the collection registered for them before.
      type: list
      elements: dict
    deregister:
      description:
        - What taking the hosts out (C(ecs_anywhere_state=absent)) deregisters, for the hosts SSM
          knows, C(container_instances), grouped as RV(_value.leave) is, and C(managed_instances),
          grouped as RV(_value.replaced_identities) is.
      type: dict
"""


_LIVE = ("ACTIVE", "DRAINING")
# The settings that must agree within a batch: the role's run-once steps branch on them.
_SAME_IN_BATCH = ("ecs_anywhere_state",)


def _target(entry):
    return entry.get("target_cluster") or ""


def _check_same_settings(hosts):
    problems = []
    for key in _SAME_IN_BATCH:
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
            "; ".join(problems) + ". Register and take out hosts in separate runs (site.yml, deregister.yml)."
        )


def _containers_group(into):
    return Groups(into, ("aws", "cluster", "drain_timeout", "force"))


def _add_container(groups, aws, cluster, instance, drain):
    """Add INSTANCE to the group of AWS, CLUSTER and DRAIN (timeout, force)."""
    groups.add(instance, aws=aws, cluster=cluster, drain_timeout=int(drain[0]), force=bool(drain[1]))


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


def _keeper(holders, managed):
    """Of the hosts holding one managed instance id, the one SSM's heartbeat says it is.

    SSM reports the computer name and IP address of the last agent that checked in with the id.
    The host matching the name (else the address) alone keeps it; when none or several match,
    the first host in batch order keeps it and the message says SSM could not tell.
    """
    computer_name = str(managed.get("computer_name") or "").lower()
    address = str(managed.get("ip_address") or "")
    for attribute, wanted in (("computer_names", computer_name), ("addresses", address)):
        if not wanted:
            continue
        matching = [host for host in holders if wanted in [str(value).lower() for value in host.get(attribute) or []]]
        if len(matching) == 1:
            return matching[0], f"SSM's heartbeat for it comes from {matching[0]['name']}"
    return holders[0], "SSM's heartbeat matches none of them alone, so the first in the batch keeps it"


def _clones(hosts, managed_of, held_elsewhere):
    """Per host name holding a cloned identity: (the host keeping it, why)."""
    holders = {}
    for host in hosts:
        if host.get("instance_id") and host.get("start_agents", True):
            holders.setdefault((connection_key(connection(host)), host["instance_id"]), []).append(host)
    earlier = {}
    for name, held in (held_elsewhere or {}).items():
        # The identity it registered in its batch, else the one it held before.
        instance_id = next((value for value in held if value), "") if isinstance(held, (list, tuple)) else held
        if instance_id:
            earlier.setdefault(instance_id, name)
    clones = {}
    for key, sharing in holders.items():
        if key[1] in earlier:
            # A host of an earlier batch of this run holds it (serial): it keeps it.
            for host in sharing:
                clones[host["name"]] = (earlier[key[1]], "a host of an earlier batch of this run holds it")
            continue
        if len(sharing) < 2:
            continue
        keeper, why = _keeper(sharing, managed_of.get(key, {}))
        for host in sharing:
            if host is not keeper:
                clones[host["name"]] = (keeper["name"], why)
    return clones


def _activation_spec(host):
    spec = host.get("activation") or {}
    return {
        "aws": connection(host),
        "iam_role": str(spec.get("role_name") or ""),
        "expires_in": str(spec.get("expires_in") or ""),
        "tags": dict(spec.get("tags") or {}),
    }


def _activations(registering, size):
    """Hybrid activations per connection, role, expiry and tags, at most SIZE hosts each."""
    groups = {}
    for host in registering:
        spec = _activation_spec(host)
        groups.setdefault(json.dumps(spec, sort_keys=True), (spec, []))[1].append(host)
    activations, activation_of = [], {}
    for spec, members in groups.values():
        for start in range(0, len(members), size):
            chunk = members[start : start + size]
            clusters = sorted({_target(host) for host in chunk})
            for host in chunk:
                activation_of[host["name"]] = len(activations)
            activations.append(
                dict(
                    spec,
                    registration_limit=len(chunk),
                    default_instance_name=clusters[0] if len(clusters) == 1 else "onprem.ecs_anywhere",
                    description=(
                        f"onprem.ecs_anywhere registration of {len(chunk)} host(s) for cluster(s) {', '.join(clusters)}"
                    )[:256],
                )
            )
    return activations, activation_of


def registration_plan(hosts, *, named=None, others=None, containers=None, held_elsewhere=None, activation_size=1000):
    if not isinstance(hosts, list) or not all(isinstance(host, dict) and "name" in host for host in hosts):
        raise AnsibleFilterError("registration_plan: the input must be a list of host entries with a name")
    if hosts:
        _check_same_settings(hosts)

    managed_of, named_ids = {}, set()
    for field_results, is_named in ((named, True), (others, False)):
        for item, found in looped_results(field_results, "instances"):
            for instance in found:
                managed_of[(item["key"], instance["instance_id"])] = instance
                if is_named:
                    named_ids.add((item["key"], instance["instance_id"]))
    containers_of = {}
    for item, found in looped_results(containers, "container_instances"):
        for instance in found:
            containers_of.setdefault((item["key"], item["cluster"], instance.get("ec2_instance_id")), []).append(
                instance
            )
    clones = _clones(hosts, managed_of, held_elsewhere)

    plan = {
        "hosts": {},
        "activation_of": {},
        "activations": [],
        "ecs_registering": {},
        "leave": [],
        "replaced_identities": [],
        "ghost_lookups": [],
        "deregister": {"container_instances": [], "managed_instances": []},
    }
    ghost_lookups = Groups(plan["ghost_lookups"], ("aws",), "names")
    leave = _containers_group(plan["leave"])
    replaced = Groups(plan["replaced_identities"], ("aws",))
    deregister = _containers_group(plan["deregister"]["container_instances"])
    deregister_managed = Groups(plan["deregister"]["managed_instances"], ("aws",))
    registering = []

    for host in hosts:
        aws = connection(host)
        key = connection_key(aws)
        cluster = _target(host)
        instance_id = host.get("instance_id") or ""
        clone_of, clone_why = clones.get(host["name"], ("", ""))
        managed = managed_of.get((key, instance_id), {}) if instance_id else {}
        container, leftovers = ({}, [])
        if instance_id and not clone_of:
            container, leftovers = _current_and_leftovers(
                containers_of.get((key, cluster, instance_id), []), host.get("container_instance_arn")
            )
        status = container.get("status", "")
        start = bool(host.get("start_agents", True))
        drain = (host.get("drain_timeout", 0), host.get("drain_force", False))
        # A clone's identity is the original's: it registers anew and lets go of nothing.
        replaces = not managed or bool(host.get("force_reregister", False)) or bool(clone_of)
        name = host.get("instance_name") or host["name"]
        entry = {
            "managed_instance": {} if clone_of else managed,
            "container_instance": container,
            # A host left unstarted registers nowhere and lets go of nothing.
            "needs_ssm_registration": replaces and start,
            "needs_ecs_registration": start and (replaces or status not in _LIVE),
            "activation": None,
            "start_agents": start,
            "instance_name": name,
            "instance_tags": host.get("instance_tags") or {},
            # SSM shows it carries the naming marker it should (module_utils/naming.py).
            "named": bool(managed) and not clone_of and (key, instance_id) in named_ids,
            "aws": aws,
            "cluster": cluster,
            "verify_timeout": int(host.get("verify_timeout") or 0),
            "drain_timeout": int(drain[0]),
            "drain_force": bool(drain[1]),
            "clone_of": clone_of,
            "clone_note": (
                f"held {instance_id} as a clone of {clone_of} ({clone_why}): registered anew" if clone_of else ""
            ),
            "held_instance_id": instance_id,
        }
        if start and not clone_of:
            # The container instance of a host moving clusters, drained as the user says.
            local_cluster = host.get("cluster") or ""
            if local_cluster not in ("", cluster) and managed and status not in _LIVE:
                _add_container(leave, aws, local_cluster, instance_id, drain)
            if replaces and status in _LIVE:
                if managed:
                    # A replaced identity's container instance still runs its tasks: drained as the user says.
                    _add_container(leave, aws, cluster, container["arn"], drain)
                else:
                    # SSM forgot the identity: its agent can reach nothing, nothing runs those tasks any more.
                    _add_container(leave, aws, cluster, container["arn"], (0, True))
            # Those an agent left behind when it lost its data: nothing runs them any more.
            for leftover in leftovers:
                _add_container(leave, aws, cluster, leftover["arn"], (0, True))
        if entry["needs_ecs_registration"]:
            plan["ecs_registering"][host["name"]] = True
        if entry["needs_ssm_registration"]:
            registering.append(host)
            ghost_lookups.add(name, aws=aws)
            if managed and not clone_of:
                replaced.add({"instance_id": instance_id}, aws=aws)
        if managed and not clone_of:
            # What ecs_anywhere_state absent takes out: the container instance in the cluster the
            # host is in (drained as the user says), then the managed instance.
            _add_container(deregister, aws, host.get("cluster") or cluster, instance_id, drain)
            deregister_managed.add({"instance_id": instance_id}, aws=aws)
        plan["hosts"][host["name"]] = entry

    plan["activations"], plan["activation_of"] = _activations(registering, activation_size)
    for name, index in plan["activation_of"].items():
        plan["hosts"][name]["activation"] = index
    return plan


class FilterModule:
    def filters(self):
        return {"registration_plan": registration_plan}
