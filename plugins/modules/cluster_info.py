#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: cluster_info
short_description: Look up ECS clusters by name, 100 a call
version_added: 0.1.0
description:
  - Looks up the ECS clusters of one region by name with C(DescribeClusters), 100 names a call,
    and reports the names ECS does not know (or knows only as C(INACTIVE), deleted).
  - The P(onprem.ecs_anywhere.control_plane#role) role uses it to check every cluster of a region in
    one call, and creates only the ones missing.
  - Never changes anything; supports check mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  names:
    description: ECS cluster names (1-255 letters, digits, - and _) or cluster ARNs, any number.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which of the sites' clusters exist?
  onprem.ecs_anywhere.cluster_info:
    region: eu-west-1
    names: [edge, lab]
  register: clusters
"""

RETURN = r"""
clusters:
  description: The clusters ECS knows and that are not C(INACTIVE), in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The cluster's name.
      type: str
      sample: edge
    arn:
      description: The cluster's ARN.
      type: str
      sample: arn:aws:ecs:eu-west-1:123456789012:cluster/edge
    status:
      description: C(ACTIVE), C(PROVISIONING), C(DEPROVISIONING) or C(FAILED).
      type: str
      sample: ACTIVE
missing:
  description: The names asked for that have no cluster, or only an C(INACTIVE) (deleted) one.
  returned: always
  type: list
  elements: str
  sample: [lab]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import chunked
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import cluster_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry

CLUSTERS_PER_CALL = 100


def _name(reference):
    return str(reference).rsplit("/", 1)[-1]


def lookup(client, names):
    """(clusters found and not INACTIVE, names missing), one DescribeClusters per 100 names."""
    found = {}
    for chunk in chunked(names, CLUSTERS_PER_CALL):
        response = client.describe_clusters(aws_retry=True, clusters=chunk)
        for cluster in response.get("clusters", []):
            if cluster.get("status") != "INACTIVE":
                found[cluster["clusterName"]] = {
                    "name": cluster["clusterName"],
                    "arn": cluster.get("clusterArn", ""),
                    "status": cluster.get("status", ""),
                }
    clusters = [found[_name(name)] for name in dict.fromkeys(names) if _name(name) in found]
    missing = [name for name in dict.fromkeys(names) if _name(name) not in found]
    return clusters, missing


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(names=dict(type="list", elements="str", required=True)), supports_check_mode=True
    )
    names = module.params["names"]
    problems = [problem for name in names for problem in cluster_problems(name, "names")]
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = module.client("ecs", retry_decorator=aws_retry)
    try:
        clusters, missing = lookup(client, names)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to look up ECS clusters (DescribeClusters)")
    module.exit_json(changed=False, clusters=clusters, missing=missing)


if __name__ == "__main__":
    main()
