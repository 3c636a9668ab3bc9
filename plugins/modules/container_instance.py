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
  - With O(instances), many container instances of the cluster are handled in one run
    with batched calls (one lookup for all of them, C(UpdateContainerInstancesState) for
    up to 10 at a time, one shared O(drain_timeout)) instead of one run per host.
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
      - Exactly one of O(instance) and O(instances) is required.
    type: str
  instances:
    description:
      - Container instances of O(cluster), each as O(instance) takes it (C(mi-) id or ARN;
        the two forms may be mixed), all handled in this one run.
      - Every element is checked before any AWS call; the message names each wrong one by
        its position, for example C(instances[2]).
      - With O(state=active) or O(state=draining), when any of them has no container
        instance the module fails naming them all before changing anything.
      - With O(state=absent), the instances are set C(DRAINING) together and share one
        O(drain_timeout); when it runs out with tasks still running and O(force=false), those
        that drained are deregistered, the others are left C(DRAINING), and the module fails
        naming each of them with its running task count.
      - The result is in RV(container_instances) rather than RV(container_instance).
    type: list
    elements: str
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
      - With O(state=draining) and O(wait_for_tasks=true), succeed (with a warning) when
        tasks are still running after O(drain_timeout).
    type: bool
    default: false
  wait_for_tasks:
    description:
      - With O(state=draining), wait up to O(drain_timeout) seconds until no task runs on the
        instance any more (ECS places the tasks of services elsewhere), as before an agent upgrade.
      - When tasks are still running then, the module fails and leaves the instance C(DRAINING),
        unless O(force=true).
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

- name: Drain a host and wait until its tasks run elsewhere (before upgrading its agent)
  onprem.ecs_anywhere.container_instance:
    cluster: edge
    instance: mi-0123456789abcdef0
    state: draining
    wait_for_tasks: true
    drain_timeout: 900

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

- name: Drain and deregister several hosts in one run (one shared drain_timeout)
  onprem.ecs_anywhere.container_instance:
    cluster: edge
    instances:
      - mi-0123456789abcdef0
      - mi-0123456789abcdef1
      - arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef
    state: absent
    drain_timeout: 900
  register: retired

- name: Show which of them were deregistered
  ansible.builtin.debug:
    msg: "{{ retired.container_instances | selectattr('changed') | map(attribute='instance') | list }}"
"""

RETURN = r"""
container_instance:
  description:
    - The container instance after the change; with O(state=absent), as it was before deregistration.
    - Empty when there is none.
    - Same keys as the elements of RV(onprem.ecs_anywhere.container_instance_info#module:container_instances).
  returned: with O(instance)
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
container_instances:
  description:
    - One element per element of O(instances), in the same order.
  returned: with O(instances)
  type: list
  elements: dict
  contains:
    instance:
      description: The element of O(instances) as given.
      type: str
      returned: always
      sample: mi-0123456789abcdef0
    changed:
      description: Whether this container instance was changed (would be, in check mode).
      type: bool
      returned: always
      sample: true
    container_instance:
      description:
        - This container instance as RV(container_instance) returns it with O(instance).
        - Empty when it has none (or, with O(state=absent), had none).
      type: dict
      returned: always
      sample:
        arn: arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef
        ec2_instance_id: mi-0123456789abcdef0
        status: DRAINING
        running_tasks_count: 0
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import chunked
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import STATE_UPDATES_PER_CALL
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import describe
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import format_container_instance
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.container_instances import live_by_reference
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
        if self.module.check_mode:
            return current["status"] != wanted, dict(current, status=wanted)
        changed = current["status"] != wanted
        if changed:
            self.set_status(current["arn"], wanted)
            current = self.find() or dict(current, status=wanted)
        if wanted == "DRAINING" and self.module.params["wait_for_tasks"]:
            current = self.wait_for_tasks_to_stop(current, self.module.params["drain_timeout"])
            _drain_outcome(self.module, {current["arn"]: current}, changed)
        return changed, current

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


class ContainerInstanceBatch:
    """Many container instances of one cluster (O(instances)), with batched calls."""

    def __init__(self, module):
        self.module = module
        self.cluster = module.params["cluster"]
        self.references = module.params["instances"]
        self.client = module.client("ecs", retry_decorator=aws_retry)
        # A failure after a write must still report changed.
        self.written = False

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, changed=self.written, **result)

    def call(self, operation, method, subject, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except is_boto3_error_code("ClusterNotFoundException"):
            self.fail(f"cluster: ECS has no cluster '{self.cluster}' in this region")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"{operation} failed for {subject}", changed=self.written)

    def find(self):
        """Each element of O(instances) mapped to its container instance, None when it has none: one lookup."""
        if not self.references:
            return {}
        instance_ids = [r for r in self.references if is_managed_instance_id(r)]
        arns = [r for r in self.references if not is_managed_instance_id(r)]
        try:
            found, _missing = lookup(self.client, self.cluster, instance_ids=instance_ids, arns=arns)
        except is_boto3_error_code("ClusterNotFoundException"):
            self.fail(f"cluster: ECS has no cluster '{self.cluster}' in this region")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(
                e,
                msg=f"ListContainerInstances/DescribeContainerInstances failed for {len(self.references)} "
                f"instances in cluster '{self.cluster}'",
            )
        return live_by_reference(found, self.references)

    def describe_now(self, arns):
        """These container instances as ECS describes them now (100 per call), by ARN."""
        try:
            found = describe(self.client, self.cluster, arns)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(
                e, msg=f"DescribeContainerInstances failed for {', '.join(arns)}", changed=self.written
            )
        return {item["arn"]: item for item in map(format_container_instance, found)}

    def set_status(self, arns, status):
        """Set ``status`` on ``arns``, 10 per call; the container instances ECS returns, by ARN."""
        updated = {}
        for chunk in chunked(arns, STATE_UPDATES_PER_CALL):
            response = self.call(
                "UpdateContainerInstancesState",
                "update_container_instances_state",
                ", ".join(chunk),
                cluster=self.cluster,
                containerInstances=chunk,
                status=status,
            )
            for item in response.get("containerInstances", []):
                self.written = True
                formatted = format_container_instance(item)
                updated[formatted["arn"]] = formatted
            failures = response.get("failures") or []
            if failures:
                self.fail(
                    f"UpdateContainerInstancesState to {status} failed for "
                    + "; ".join(
                        "{}: {} {}".format(f.get("arn"), f.get("reason"), f.get("detail") or "").rstrip()
                        for f in failures
                    )
                )
        return updated

    def wait_for_tasks_to_stop(self, by_arn, timeout):
        """``by_arn`` once every running task count is 0, or as last seen when the shared deadline passed."""
        deadline = time.monotonic() + timeout
        attempt = 0
        waiting = [arn for arn, item in by_arn.items() if item["running_tasks_count"]]
        while waiting and time.monotonic() < deadline:
            delay = _POLL_DELAYS[min(attempt, len(_POLL_DELAYS) - 1)]
            time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
            attempt += 1
            now = self.describe_now(waiting)
            for arn in waiting:
                # One ECS no longer knows has no tasks left to wait for.
                by_arn[arn] = now.get(arn) or dict(by_arn[arn], running_tasks_count=0)
            waiting = [arn for arn in waiting if by_arn[arn]["running_tasks_count"]]
        return by_arn

    def ensure_status(self, current, wanted):
        """Per element: (changed, container instance after)."""
        unregistered = [reference for reference, item in current.items() if item is None]
        if unregistered:
            self.fail(
                "instances: {} {} no container instance in cluster '{}'; the ECS agent on the host registers it".format(
                    ", ".join(unregistered), "has" if len(unregistered) == 1 else "have", self.cluster
                )
            )
        to_change = [item["arn"] for item in current.values() if item["status"] != wanted]
        updated = {}
        if to_change and not self.module.check_mode:
            updated = self.set_status(to_change, wanted)
        if wanted == "DRAINING" and self.module.params["wait_for_tasks"] and not self.module.check_mode:
            by_arn = {item["arn"]: updated.get(item["arn"]) or item for item in current.values()}
            updated = self.wait_for_tasks_to_stop(by_arn, self.module.params["drain_timeout"])
            _drain_outcome(self.module, updated, bool(to_change))
        return {
            reference: (
                item["status"] != wanted,
                updated.get(item["arn"]) or (item if item["status"] == wanted else dict(item, status=wanted)),
            )
            for reference, item in current.items()
        }

    def ensure_absent(self, current):
        """Per element: (changed, container instance as before deregistration)."""
        live = {}
        for item in current.values():
            if item is not None:
                live.setdefault(item["arn"], item)
        if self.module.check_mode or not live:
            return {reference: (item is not None, item or {}) for reference, item in current.items()}
        params = self.module.params
        set_draining = [arn for arn, item in live.items() if item["status"] != "DRAINING"]
        if set_draining:
            live.update({arn: item for arn, item in self.set_status(set_draining, "DRAINING").items() if arn in live})
        drained = self.wait_for_tasks_to_stop(live, params["drain_timeout"])
        still_running = [] if params["force"] else [arn for arn, item in drained.items() if item["running_tasks_count"]]
        deregistered = set()
        for arn, item in drained.items():
            # INACTIVE: deregistered by someone else while draining.
            if arn in still_running or item["status"] == "INACTIVE":
                continue
            self.call(
                "DeregisterContainerInstance",
                "deregister_container_instance",
                arn,
                cluster=self.cluster,
                containerInstance=arn,
                force=params["force"],
            )
            self.written = True
            deregistered.add(arn)
        outcome = {}
        for reference, item in current.items():
            if item is None:
                outcome[reference] = (False, {})
            else:
                arn = item["arn"]
                outcome[reference] = (arn in deregistered or arn in set_draining, drained[arn])
        if still_running:
            left = [
                "{} ({} task(s))".format(
                    self.label(reference, item["arn"]), drained[item["arn"]]["running_tasks_count"]
                )
                for reference, item in current.items()
                if item is not None and item["arn"] in still_running
            ]
            self.fail(
                f"drain_timeout: tasks still running after {params['drain_timeout']} seconds on "
                f"{', '.join(left)}; left DRAINING, the others were deregistered. "
                "Raise drain_timeout, or set force: true to deregister anyway",
                container_instances=self.results(outcome),
            )
        return outcome

    @staticmethod
    def label(reference, arn):
        return reference if reference == arn else f"{reference} ({arn})"

    @staticmethod
    def results(outcome):
        return [
            {"instance": reference, "changed": changed, "container_instance": item}
            for reference, (changed, item) in outcome.items()
        ]


def instance_problems(value, parameter, cluster):
    if value.startswith("mi-"):
        return managed_instance_id_problems([value], parameter)
    return container_instance_arn_problems([value], parameter, cluster)


def duplicate_problems(values, parameter):
    positions = {}
    for index, value in enumerate(values):
        positions.setdefault(value, []).append(f"{parameter}[{index}]")
    return [
        "{}: '{}' is given more than once ({}); give each container instance once".format(
            parameter, value, ", ".join(where)
        )
        for value, where in positions.items()
        if len(where) > 1
    ]


def _drain_outcome(module, by_arn, changed):
    """After a drain with wait_for_tasks: fail naming the instances with tasks left, or warn with force."""
    left = {arn: item["running_tasks_count"] for arn, item in by_arn.items() if item["running_tasks_count"]}
    if not left:
        return
    what = ", ".join(f"{arn} ({count} task(s))" for arn, count in left.items())
    timeout = module.params["drain_timeout"]
    if module.params["force"]:
        module.warn(f"drain_timeout: tasks still running after {timeout} seconds on {what}; going on (force)")
        return
    module.fail_json(
        msg=f"drain_timeout: tasks still running after {timeout} seconds on {what}; left DRAINING. "
        "Raise drain_timeout, make room for the tasks elsewhere in the cluster, or set force: true",
        changed=changed,
        container_instances=[dict(item, arn=arn) for arn, item in by_arn.items()],
    )


def validate(module):
    params = module.params
    if params["instances"] is not None:
        problems = []
        for index, value in enumerate(params["instances"]):
            problems += instance_problems(value, f"instances[{index}]", params["cluster"])
        problems += duplicate_problems(params["instances"], "instances")
    elif params["instance"] is not None:
        problems = instance_problems(params["instance"], "instance", params["cluster"])
    else:
        # Both given as null pass required_one_of.
        problems = ["instance: one of instance and instances is required"]
    problems += cluster_problems(params["cluster"])
    if params["drain_timeout"] < 0:
        problems.append(f"drain_timeout: must be 0 or more seconds, got {params['drain_timeout']}")
    if problems:
        module.fail_json(msg="; ".join(problems))


def run_batch(module):
    batch = ContainerInstanceBatch(module)
    current = batch.find()
    state = module.params["state"]
    if state == "absent":
        outcome = batch.ensure_absent(current)
    else:
        outcome = batch.ensure_status(current, state.upper())
    before = {reference: {"status": item["status"] if item else "absent"} for reference, item in current.items()}
    after = {
        reference: {"status": "absent" if state == "absent" else item["status"]}
        for reference, (_changed, item) in outcome.items()
    }
    module.exit_json(
        changed=any(changed for changed, _item in outcome.values()),
        container_instances=batch.results(outcome),
        diff=dict(before=before, after=after),
    )


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        instance=dict(type="str"),
        instances=dict(type="list", elements="str"),
        state=dict(type="str", choices=["active", "draining", "absent"], default="active"),
        drain_timeout=dict(type="int", default=600),
        force=dict(type="bool", default=False),
        wait_for_tasks=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("instance", "instances")],
        required_one_of=[("instance", "instances")],
    )
    validate(module)
    if module.params["instances"] is not None:
        run_batch(module)

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
