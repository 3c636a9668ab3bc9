# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookups a batch of hosts needs, grouped by where they go: SSM per connection, ECS per cluster."""

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import connection, connection_key

DOCUMENTATION = r"""
---
name: batch_lookups
short_description: Group a batch's lookups in SSM and ECS by connection and cluster
version_added: 0.1.0
description:
  - Used by the P(onprem.ecs_anywhere.external_instance#role) role, once per play batch, on the controller,
    before P(onprem.ecs_anywhere.registration_plan#filter). Hosts of one batch may sit in several regions
    (or behind several endpoints or profiles) and clusters; each group is looked up once, its ids batched.
options:
  _input:
    description: One entry per host of the batch, as P(onprem.ecs_anywhere.host_snapshot#module) notes it.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Group the batch's lookups
  ansible.builtin.set_fact:
    lookups: "{{ ansible_play_batch | map('extract', hostvars, ['snapshot', 'host']) | list | onprem.ecs_anywhere.batch_lookups }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: The lookups.
  type: dict
  contains:
    ssm:
      description:
        - Per connection, C(key), C(aws) (C(region), C(endpoint_url), C(profile)), C(instance_ids) (the ids the
          hosts hold), and C(markers) (the naming markers they expect).
      type: list
      elements: dict
    ecs:
      description:
        - Per connection and cluster the hosts must be in, C(key), C(aws), C(cluster),
          C(container_instance_arns) (those the hosts' agents report) and C(instance_ids) (the other ids).
      type: list
      elements: dict
"""


def batch_lookups(hosts):
    if not isinstance(hosts, list) or not all(isinstance(host, dict) and "name" in host for host in hosts):
        raise AnsibleFilterError("batch_lookups: the input must be a list of host entries with a name")
    """The batch's lookups, grouped: SSM per connection, ECS per connection and cluster."""
    ssm, ecs = {}, {}
    for host in hosts or []:
        aws = connection(host)
        key = connection_key(aws)
        group = ssm.setdefault(key, {"key": key, "aws": aws, "instance_ids": [], "markers": []})
        instance_id = host.get("instance_id") or ""
        if instance_id:
            group["instance_ids"].append(instance_id)
            if host.get("naming_marker"):
                group["markers"].append(host["naming_marker"])
        if not instance_id:
            continue
        cluster = host.get("target_cluster") or ""
        lookup = ecs.setdefault(
            (key, cluster),
            {"key": key, "aws": aws, "cluster": cluster, "container_instance_arns": [], "instance_ids": []},
        )
        if host.get("container_instance_arn"):
            lookup["container_instance_arns"].append(host["container_instance_arn"])
        else:
            # Stale ids too: the container instance of an identity SSM forgot must not be left ACTIVE.
            lookup["instance_ids"].append(instance_id)
    for group in ssm.values():
        for field in ("instance_ids", "markers"):
            group[field] = list(dict.fromkeys(group[field]))
    return {"ssm": list(ssm.values()), "ecs": list(ecs.values())}


class FilterModule:
    def filters(self):
        return {"batch_lookups": batch_lookups}
