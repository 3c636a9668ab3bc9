#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: container_instance
short_description: Activate, drain or deregister an ECS external container instance
version_added: 0.1.0
description:
  - Sets an ECS container instance (an ECS Anywhere host) C(ACTIVE) or C(DRAINING),
    or drains and deregisters it.
  - Registering a host is the ECS agent's job on the host; this module never creates
    a container instance.
  - With O(state=absent) the instance is set C(DRAINING), the module waits up to
    O(drain_timeout) seconds for its running tasks to stop, then deregisters it.
    A deregistered container instance cannot come back; the host's ECS agent data
    must be cleared before it registers again.
  - Supports check mode (nothing is written, the change is predicted) and diff mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  cluster:
    description:
      - The ECS cluster, by name or ARN. An unknown cluster is an error.
    type: str
    required: true
  instance:
    description:
      - The container instance, by the managed instance id (C(mi-…)) of its host or by
        its container instance ARN.
      - An ARN that names another cluster than O(cluster) is an error.
    type: str
    required: true
  state:
    description:
      - V(active) and V(draining) set that status; the container instance must exist.
      - V(absent) drains and deregisters it; an instance that is not registered is left alone (C(changed=false)).
    type: str
    choices: [active, draining, absent]
    default: active
  drain_timeout:
    description:
      - With O(state=absent), how many seconds to wait for the running tasks to stop before deregistering.
      - When tasks are still running after that time the module fails and leaves the
        instance C(DRAINING), unless O(force=true).
      - V(0) does not wait.
    type: int
    default: 600
  force:
    description:
      - With O(state=absent), deregister even when tasks are still running after
        O(drain_timeout) (C(DeregisterContainerInstance) with C(force)). Those tasks
        keep running on the host but ECS no longer manages them.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Stop placing tasks on a host before maintenance
  onprem.ecs_anywhere.container_instance:
    region: eu-west-1
    cluster: edge
    instance: mi-0123456789abcdef0
    state: draining

- name: Take it back into service
  onprem.ecs_anywhere.container_instance:
    cluster: edge
    instance: mi-0123456789abcdef0
    state: active

- name: Drain (up to 15 minutes) and deregister
  onprem.ecs_anywhere.container_instance:
    cluster: edge
    instance: arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef
    state: absent
    drain_timeout: 900
"""

RETURN = r"""
container_instance:
  description:
    - The container instance after the change; with O(state=absent), as it was before deregistration.
    - Empty when there is none.
    - Same keys as the elements of RV(onprem.ecs_anywhere.container_instance_info#module:container_instances).
  returned: always
  type: dict
  sample:
    arn: arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef
    ec2_instance_id: mi-0123456789abcdef0
    status: DRAINING
    agent_connected: true
    running_tasks_count: 0
    pending_tasks_count: 0
    agent_version: 1.90.0
    registered_at: "2026-01-30T08:00:00+00:00"
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import lookup
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import cluster_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import container_instance_arn_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import is_managed_instance_id
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import managed_instance_id_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry

# Poll often at first (short drains are common), then back off.
_POLL_DELAYS = (1, 2, 3, 5)


class ContainerInstanceManager:
    def __init__(self, module):
        self.module = module
        self.cluster = module.params["cluster"]
        self.instance = module.params["instance"]
        self.client = module.client("ecs", retry_decorator=aws_retry)

    def call(self, operation, method, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except is_boto3_error_code("ClusterNotFoundException"):
            self.module.fail_json(msg=f"cluster: ECS has no cluster '{self.cluster}' in this region")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"{operation} failed for container instance {self.instance}")

    def find(self):
        """The container instance, None when the cluster has none (or only a deregistered one)."""
        try:
            if is_managed_instance_id(self.instance):
                found, _missing = lookup(self.client, self.cluster, instance_ids=[self.instance])
            else:
                found, _missing = lookup(self.client, self.cluster, arns=[self.instance])
        except is_boto3_error_code("ClusterNotFoundException"):
            self.module.fail_json(msg=f"cluster: ECS has no cluster '{self.cluster}' in this region")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(
                e, msg=f"ListContainerInstances/DescribeContainerInstances failed for {self.instance}"
            )
        live = [item for item in found if item["status"] != "INACTIVE"]
        return live[0] if live else None

    def set_status(self, arn, status):
        response = self.call(
            "UpdateContainerInstancesState",
            "update_container_instances_state",
            cluster=self.cluster,
            containerInstances=[arn],
            status=status,
        )
        if response.get("failures"):
            failure = response["failures"][0]
            self.module.fail_json(
                msg="UpdateContainerInstancesState to {} failed for {}: {} {}".format(
                    status, arn, failure.get("reason"), failure.get("detail") or ""
                )
            )

    def wait_for_tasks_to_stop(self, current, timeout):
        """The container instance once its running tasks reached 0, or its last state at the timeout."""
        deadline = time.monotonic() + timeout
        attempt = 0
        while current["running_tasks_count"] and time.monotonic() < deadline:
            delay = _POLL_DELAYS[min(attempt, len(_POLL_DELAYS) - 1)]
            time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
            attempt += 1
            current = self.find() or dict(current, running_tasks_count=0)
        return current

    def ensure_status(self, current, wanted):
        if current is None:
            self.module.fail_json(
                msg=f"instance: {self.instance} has no container instance in cluster '{self.cluster}'; "
                "the ECS agent on the host registers it"
            )
        if current["status"] == wanted:
            return False, current
        if not self.module.check_mode:
            self.set_status(current["arn"], wanted)
            return True, self.find()
        return True, dict(current, status=wanted)

    def ensure_absent(self, current):
        if current is None:
            return False, {}
        if self.module.check_mode:
            return True, current
        params = self.module.params
        if current["status"] != "DRAINING":
            self.set_status(current["arn"], "DRAINING")
        drained = self.wait_for_tasks_to_stop(current, params["drain_timeout"])
        if drained["running_tasks_count"] and not params["force"]:
            self.module.fail_json(
                msg=f"drain_timeout: {drained['running_tasks_count']} task(s) still running on {current['arn']} "
                f"after {params['drain_timeout']} seconds; it is left DRAINING. "
                "Raise drain_timeout, or set force: true to deregister anyway",
                changed=True,
                container_instance=drained,
            )
        self.call(
            "DeregisterContainerInstance",
            "deregister_container_instance",
            cluster=self.cluster,
            containerInstance=current["arn"],
            force=params["force"],
        )
        return True, drained


def validate(module):
    instance = module.params["instance"]
    if instance.startswith("mi-"):
        problems = managed_instance_id_problems([instance], "instance")
    else:
        problems = container_instance_arn_problems([instance], "instance", module.params["cluster"])
    problems += cluster_problems(module.params["cluster"])
    if module.params["drain_timeout"] < 0:
        problems.append(f"drain_timeout: must be 0 or more seconds, got {module.params['drain_timeout']}")
    if problems:
        module.fail_json(msg="; ".join(problems))


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        instance=dict(type="str", required=True),
        state=dict(type="str", choices=["active", "draining", "absent"], default="active"),
        drain_timeout=dict(type="int", default=600),
        force=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)

    manager = ContainerInstanceManager(module)
    current = manager.find()
    state = module.params["state"]
    if state == "absent":
        changed, result = manager.ensure_absent(current)
        after = {"status": "absent"}
    else:
        changed, result = manager.ensure_status(current, state.upper())
        after = {"status": result["status"]}
    before = {"status": current["status"] if current else "absent"}
    module.exit_json(changed=changed, container_instance=result, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
