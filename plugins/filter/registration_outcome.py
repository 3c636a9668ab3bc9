# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each host of a batch stands once it did its part, decided once for the whole batch."""

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
    description: What SSM reports now, as P(onprem.ecs_anywhere.managed_instance_info#module) returns it.
    type: list
    elements: dict
    default: []
  container_instances:
    description: What ECS reports now, as P(onprem.ecs_anywhere.container_instance_info#module) returns it.
    type: list
    elements: dict
    default: []
  cluster:
    description: The ECS cluster the hosts must be in.
    type: str
  verify_timeout:
    description: The seconds waited, for the message of a host that is not ready.
    type: int
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
         managed_instances=ssm_wait.instances, container_instances=ecs_wait.container_instances,
         cluster='edge', verify_timeout=300) }}
  run_once: true
"""

RETURN = r"""
_value:
  description: Where the batch stands.
  type: dict
  contains:
    waiting:
      description: The managed instance ids to wait for (hosts that registered and did not fail).
      type: list
      elements: str
    failures:
      description: Per host that fails, its message.
      type: dict
    naming:
      description:
        - The managed instances to name and tag, as the O(onprem.ecs_anywhere.managed_instance#module:instances) option takes them,
          each with the naming marker among its tags (those registered now, and those the plan did not find named).
      type: list
      elements: dict
    report:
      description: Per host that did not fail, C(managed_instance_id), C(container_instance_arn) and C(cluster).
      type: dict
"""


def _not_ready(managed, container):
    return (
        managed.get("ping_status") != "Online"
        or container.get("status") != "ACTIVE"
        or not container.get("agent_connected")
    )


def registration_outcome(
    plan,
    instance_ids,
    *,
    failures=None,
    managed_instances=None,
    container_instances=None,
    cluster=None,
    verify_timeout=None,
    check_mode=False,
):
    """Where each host of the batch stands once the hosts did their part.

    ``instance_ids`` and ``failures`` map host names to the managed instance id the host holds now
    and to why it failed (empty when it did not); ``managed_instances`` and ``container_instances``
    are what SSM and ECS report now for the hosts that registered (as the info modules return them).
    """
    failures = failures or {}
    managed_now = {item["instance_id"]: item for item in managed_instances or []}
    container_now = {}
    for item in container_instances or []:
        container_now.setdefault(item.get("ec2_instance_id"), item)
    outcome = {"waiting": [], "failures": {}, "naming": [], "report": {}}
    # The hosts still in the batch: one that failed outside the role's rescue is gone from it.
    for name, held in instance_ids.items():
        entry = plan["hosts"].get(name)
        if entry is None:
            continue
        instance_id = held or ""
        failure = failures.get(name) or ""
        managed = managed_now.get(instance_id, entry["managed_instance"]) if instance_id else entry["managed_instance"]
        container = (
            container_now.get(instance_id, entry["container_instance"]) if instance_id else entry["container_instance"]
        )
        waits = entry["needs_ecs_registration"] and not failure and not check_mode
        if waits and instance_id:
            outcome["waiting"].append(instance_id)
        if waits and _not_ready(managed, container):
            failure = (
                "{name} ({instance_id}) is not ready after {timeout} s (ecs_anywhere_verify_timeout): SSM ping status "
                "{ping}, ECS status {status}, agent connected {connected} in cluster {cluster}. "
                "Check the agents' logs (/var/log/amazon/ssm, journalctl -u ecs) and the network path to AWS."
            ).format(
                name=name,
                instance_id=instance_id or "no managed instance id",
                timeout=verify_timeout,
                ping=managed.get("ping_status") or "unknown",
                status=container.get("status") or "not registered",
                connected=bool(container.get("agent_connected")),
                cluster=cluster,
            )
        if (
            not failure
            and instance_id
            and entry["start_agents"]
            and not check_mode
            and (entry["needs_ssm_registration"] or not entry.get("named"))
        ):
            marker = naming_marker(instance_id, entry["instance_name"], entry["instance_tags"])
            outcome["naming"].append(
                {
                    "instance_id": instance_id,
                    "name": entry["instance_name"],
                    "tags": dict(entry["instance_tags"], **{MARKER_KEY: marker}),
                }
            )
        if failure:
            outcome["failures"][name] = failure
        else:
            outcome["report"][name] = {
                "managed_instance_id": instance_id or "(would register)",
                "container_instance_arn": container.get("arn") or ("(would register)" if check_mode else ""),
                "cluster": cluster,
            }
    return outcome


class FilterModule:
    def filters(self):
        return {"registration_outcome": registration_outcome}
