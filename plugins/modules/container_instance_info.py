#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: container_instance_info
short_description: Look up ECS external container instances by managed instance id or ARN, in batches
version_added: 0.1.0
description:
  - Looks up the container instances of one ECS cluster by the SSM managed instance id
    (C(mi-…)) of their host and/or by container instance ARN, and reports the
    asked-for ids and ARNs that have no container instance in that cluster.
  - Built for classifying hundreds of hosts at once. Ids are listed 100 per
    C(ListContainerInstances) call (filter C(ec2InstanceId in [...])) and described
    100 per C(DescribeContainerInstances) call, so 500 ids take 5 list and 5 describe calls.
  - With neither O(instance_ids) nor O(container_instance_arns), every container
    instance of the cluster is returned (except C(INACTIVE) ones, which ECS does not list).
  - Never changes anything; supports check mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  cluster:
    description:
      - The ECS cluster, by name or ARN. An unknown cluster is an error.
    type: str
    required: true
  instance_ids:
    description:
      - Managed instance ids (C(mi-) followed by 17 lowercase hex digits) of the hosts.
    type: list
    elements: str
  container_instance_arns:
    description:
      - Container instance ARNs. An ARN that names another cluster than O(cluster) is an error.
    type: list
    elements: str
  status:
    description:
      - Only container instances in one of these states.
      - Applied after the lookup, so an instance filtered out by O(status) is not in RV(missing).
    type: list
    elements: str
    choices: [ACTIVE, DRAINING, REGISTERING, DEREGISTERING, REGISTRATION_FAILED, INACTIVE]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which hosts are registered with the cluster?
  onprem.ecs_anywhere.container_instance_info:
    region: eu-west-1
    cluster: edge
    instance_ids:
      - mi-0123456789abcdef0
      - mi-0fedcba9876543210
  register: ecs_lookup

- name: Container instances of the cluster that are draining
  onprem.ecs_anywhere.container_instance_info:
    cluster: edge
    status: [DRAINING]
"""

RETURN = r"""
container_instances:
  description: The container instances found.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The container instance ARN.
      type: str
      sample: arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef
    ec2_instance_id:
      description: The managed instance id (C(mi-…)) of the host.
      type: str
      sample: mi-0123456789abcdef0
    status:
      description: C(ACTIVE), C(DRAINING), C(REGISTERING), C(DEREGISTERING), C(REGISTRATION_FAILED) or C(INACTIVE).
      type: str
      sample: ACTIVE
    agent_connected:
      description: Whether the ECS agent is connected.
      type: bool
      sample: true
    running_tasks_count:
      description: Tasks in the C(RUNNING) state.
      type: int
      sample: 2
    pending_tasks_count:
      description: Tasks in the C(PENDING) state.
      type: int
      sample: 0
    agent_version:
      description: The ECS agent's version.
      type: str
      sample: 1.90.0
    registered_at:
      description: When the container instance registered, ISO 8601.
      type: str
      sample: "2026-01-30T08:00:00+00:00"
missing:
  description: The ids of O(instance_ids) and the ARNs of O(container_instance_arns) with no container instance in O(cluster).
  returned: always
  type: list
  elements: str
  sample: [mi-0fedcba9876543210]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import lookup
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import cluster_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import container_instance_arn_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import managed_instance_id_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        instance_ids=dict(type="list", elements="str"),
        container_instance_arns=dict(type="list", elements="str"),
        status=dict(
            type="list",
            elements="str",
            choices=["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED", "INACTIVE"],
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    cluster = params["cluster"]

    problems = cluster_problems(cluster)
    problems += managed_instance_id_problems(params["instance_ids"] or [], "instance_ids")
    problems += container_instance_arn_problems(
        params["container_instance_arns"] or [], "container_instance_arns", cluster
    )
    if problems:
        module.fail_json(msg="; ".join(problems))

    client = module.client("ecs", retry_decorator=aws_retry)
    try:
        container_instances, missing = lookup(
            client,
            cluster,
            instance_ids=params["instance_ids"],
            arns=params["container_instance_arns"],
            status=params["status"],
        )
    except is_boto3_error_code("ClusterNotFoundException"):
        module.fail_json(msg=f"cluster: ECS has no cluster '{cluster}' in this region")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(
            e, msg="Failed to look up container instances (ListContainerInstances/DescribeContainerInstances)"
        )
    module.exit_json(changed=False, container_instances=container_instances, missing=missing)


if __name__ == "__main__":
    main()
