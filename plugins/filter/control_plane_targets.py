# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM roles and ECS clusters the hosts of a play use, each once."""

from ansible.errors import AnsibleFilterError
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import looped_results
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.host_inputs import cluster_problem, region_problem

DOCUMENTATION = r"""
---
name: control_plane_targets
short_description: The IAM roles and ECS clusters the hosts of a play use, each once
version_added: 0.1.0
description:
  - Used by the P(onprem.ecs_anywhere.control_plane#role) role. Given each host's region,
    cluster, endpoint, profile and IAM role name, it returns every IAM role once per
    (endpoint, profile, role name) (IAM is global, so one region of the group is used for the
    call) and every ECS cluster once per (region, endpoint, profile, cluster).
  - A host whose region or cluster breaks AWS's rules is left out and listed in RV(_value.problems);
    the P(onprem.ecs_anywhere.external_instance#role) role fails that host alone, before any write.
options:
  _input:
    description: The hosts' names.
    type: list
    elements: str
    required: true
  regions:
    description: Each host's C(ecs_anywhere_region), in the order of the names.
    type: list
    elements: str
    required: true
  clusters:
    description: Each host's C(ecs_anywhere_cluster).
    type: list
    elements: str
    required: true
  endpoint_urls:
    description: Each host's C(ecs_anywhere_aws_endpoint_url).
    type: list
    elements: str
    required: true
  profiles:
    description: Each host's C(ecs_anywhere_aws_profile).
    type: list
    elements: str
    required: true
  role_names:
    description: Each host's C(ecs_anywhere_role_name).
    type: list
    elements: str
    required: true
  clusters_found:
    description:
      - The results of looking up RV(_value.cluster_lookups) with P(onprem.ecs_anywhere.cluster_info#module), each
        with C(item) and C(missing). Given, RV(_value.clusters) holds only the clusters to create.
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Note what the hosts use
  ansible.builtin.set_fact:
    targets: >-
      {{ ['a', 'b'] | onprem.ecs_anywhere.control_plane_targets(regions=['eu-west-1', 'us-east-1'], clusters=['edge', 'edge'],
                                                                endpoint_urls=['', ''], profiles=['', ''],
                                                                role_names=['ecsAnywhereRole', 'ecsAnywhereRole']) }}
"""

RETURN = r"""
_value:
  description: What to ensure.
  type: dict
  contains:
    roles:
      description: Each IAM role once, with C(aws) (C(region), C(endpoint_url), C(profile)), C(role_name) and C(hosts) (how many use it).
      type: list
      elements: dict
    clusters:
      description:
        - Each ECS cluster once, with C(aws), C(cluster) and C(hosts); with O(clusters_found), only those missing.
      type: list
      elements: dict
    cluster_lookups:
      description: Per connection (C(aws)), the C(names) of its clusters, to look up in one call.
      type: list
      elements: dict
    problems:
      description: Per host left out, why.
      type: dict
"""


def _missing(clusters_found):
    """(region, endpoint, profile, name) of each cluster a lookup found missing."""
    missing = set()
    for item, names in looped_results(clusters_found, "missing"):
        aws = item["aws"]
        for name in names:
            missing.add((aws["region"], aws["endpoint_url"], aws["profile"], name))
    return missing


def control_plane_targets(names, *, regions, clusters, endpoint_urls, profiles, role_names, clusters_found=None):
    columns = (names, regions, clusters, endpoint_urls, profiles, role_names)
    if not all(isinstance(column, list) and len(column) == len(names) for column in columns):
        raise AnsibleFilterError("control_plane_targets: the names and every setting must be lists of one length")
    keys = ("name", "region", "cluster", "endpoint_url", "profile", "role_name")
    hosts = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
    roles, clusters, problems = {}, {}, {}
    for host in hosts:
        region, cluster = str(host.get("region") or ""), str(host.get("cluster") or "")
        found = [problem for problem in (region_problem(region), cluster_problem(cluster)) if problem]
        if found:
            problems[str(host.get("name"))] = "; ".join(found)
            continue
        aws = {
            "region": region,
            "endpoint_url": str(host.get("endpoint_url") or ""),
            "profile": str(host.get("profile") or ""),
        }
        role_name = str(host.get("role_name") or "")
        role = roles.setdefault(
            (aws["endpoint_url"], aws["profile"], role_name), {"aws": aws, "role_name": role_name, "hosts": 0}
        )
        role["hosts"] += 1
        entry = clusters.setdefault(
            (region, aws["endpoint_url"], aws["profile"], cluster), {"aws": aws, "cluster": cluster, "hosts": 0}
        )
        entry["hosts"] += 1
    lookups = {}
    for entry in clusters.values():
        aws = entry["aws"]
        key = (aws["region"], aws["endpoint_url"], aws["profile"])
        lookups.setdefault(key, {"aws": aws, "names": []})["names"].append(entry["cluster"])
    wanted = list(clusters.values())
    if clusters_found is not None:
        missing = _missing(clusters_found)
        wanted = [
            entry
            for entry in wanted
            if (entry["aws"]["region"], entry["aws"]["endpoint_url"], entry["aws"]["profile"], entry["cluster"])
            in missing
        ]
    return {
        "roles": list(roles.values()),
        "clusters": wanted,
        "cluster_lookups": list(lookups.values()),
        "problems": problems,
    }


class FilterModule:
    def filters(self):
        return {"control_plane_targets": control_plane_targets}
