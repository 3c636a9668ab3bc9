#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: managed_instance
short_description: Name and tag an SSM managed instance, or deregister it
version_added: 0.1.0
description:
  - Sets the name (the C(Name) tag) and tags of an AWS Systems Manager managed
    instance (a hybrid-activated host, C(mi-…)), or deregisters it from SSM.
  - Registering is done on the host by the SSM agent with an activation; this module
    never creates a managed instance. Registering a deregistered host again needs an
    activation with capacity left and yields a new C(mi-) id.
  - With O(instances), many managed instances are handled in one run with batched
    lookups (one C(DescribeInstanceInformation) call per 50 ids) instead of one run per host;
    only what SSM cannot batch (reading, adding and removing tags, deregistering) is one
    call per instance, and only where needed.
  - Supports check mode (nothing is written, the change is predicted) and diff mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  instance_id:
    description:
      - The managed instance id, C(mi-) followed by 17 lowercase hex digits.
      - Exactly one of O(instance_id) and O(instances) is required.
    type: str
  instances:
    description:
      - Managed instances to handle in this one run, each with its own id, name and tags.
      - O(state), O(purge_tags) and O(tags) apply to every element; an element's own
        O(instances[].tags) replace O(tags) for it.
      - O(name) cannot be used with O(instances), as names differ per instance; give each
        element its O(instances[].name).
      - Every element is checked before any AWS call; the message names each wrong one by
        its position, for example C(instances[3].instance_id). An id may be given only once.
      - With O(state=present) every id must be registered; otherwise the module fails naming
        all unknown ones before changing anything. With O(state=absent) unknown ids are left
        alone.
      - The result is in RV(instances) rather than RV(instance) and RV(tags).
    type: list
    elements: dict
    suboptions:
      instance_id:
        description:
          - The managed instance id, C(mi-) followed by 17 lowercase hex digits.
        type: str
        required: true
      name:
        description:
          - This instance's name, kept in its C(Name) tag.
          - Without it the C(Name) tag is left as it is.
        type: str
      tags:
        description:
          - Tags this instance must carry, instead of O(tags).
        type: dict
  state:
    description:
      - V(present) sets O(name) and O(tags); the instance must be registered.
      - V(absent) deregisters it; an id SSM does not know is left alone (C(changed=false)).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The instance's name, kept in its C(Name) tag.
      - Without it the C(Name) tag is left as it is, even when O(purge_tags=true).
    type: str
  tags:
    description:
      - Tags the instance must carry. Without it tags are left as they are.
      - With O(instances), the tags of every element that has no O(instances[].tags).
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags that are not in O(tags) (except C(Name), see O(name)).
      - Only when O(tags) is given.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Give the host's managed instance its inventory name
  onprem.ecs_anywhere.managed_instance:
    region: eu-west-1
    instance_id: mi-0123456789abcdef0
    name: "{{ inventory_hostname }}"
    tags:
      site: lyon
    purge_tags: false

- name: Deregister the host from SSM
  onprem.ecs_anywhere.managed_instance:
    instance_id: mi-0123456789abcdef0
    state: absent

- name: Name several managed instances in one run (site lyon unless an instance has its own tags)
  onprem.ecs_anywhere.managed_instance:
    instances:
      - instance_id: mi-0123456789abcdef0
        name: edge-01
      - instance_id: mi-0123456789abcdef1
        name: edge-02
        tags:
          site: oslo
    tags:
      site: lyon
    purge_tags: false
  register: named

- name: Deregister several hosts from SSM in one run
  onprem.ecs_anywhere.managed_instance:
    instances:
      - instance_id: mi-0123456789abcdef0
      - instance_id: mi-0123456789abcdef1
    state: absent
"""

RETURN = r"""
instance:
  description:
    - The managed instance (as before deregistration with O(state=absent)); empty when SSM does not know it.
    - Same keys as the elements of RV(onprem.ecs_anywhere.managed_instance_info#module:instances).
  returned: with O(instance_id)
  type: dict
  sample:
    instance_id: mi-0123456789abcdef0
    name: edge-01
    ping_status: Online
    activation_id: 4f8b7c36-0000-4c6e-9a2e-1234567890ab
tags:
  description: The instance's tags after the change (predicted in check mode).
  returned: when O(state=present), with O(instance_id)
  type: dict
  sample:
    Name: edge-01
    site: lyon
instances:
  description:
    - One element per element of O(instances), in the same order.
  returned: with O(instances)
  type: list
  elements: dict
  contains:
    instance_id:
      description: The managed instance id.
      type: str
      returned: always
      sample: mi-0123456789abcdef0
    changed:
      description: Whether this instance was changed (would be, in check mode).
      type: bool
      returned: always
      sample: true
    name:
      description:
        - The instance's name after the change (predicted in check mode); with O(state=absent),
          as it was before deregistration.
        - V(null) when SSM does not know the instance.
      type: str
      returned: always
      sample: edge-01
    tags:
      description:
        - The instance's tags after the change (predicted in check mode).
        - V(null) when they were not read, that is with O(state=absent), and with
          O(state=present) when this element has neither a name nor tags to set.
      type: dict
      returned: always
      sample:
        Name: edge-01
        site: lyon
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import managed_instance_id_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.managed_instances import describe_by_ids
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.managed_instances import format_instance
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.ssm_tags import name_problem
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.ssm_tags import tag_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry

NAME_TAG = "Name"


def wanted_tags(current, name, tags, purge_tags):
    """The tags to add or change and the keys to remove; C(Name) follows ``name`` only."""
    desired = dict(current) if tags is None else {str(k): str(v) for k, v in tags.items()}
    if name is not None:
        desired[NAME_TAG] = name
    elif NAME_TAG not in desired and NAME_TAG in current:
        desired[NAME_TAG] = current[NAME_TAG]
    return compare_aws_tags(current, desired, purge_tags=purge_tags and tags is not None)


def sync_tags(write, before, name, tags, *, purge_tags, check_mode):
    """(tags set, keys removed, tags after) of bringing ``before`` to ``name`` and ``tags``;
    ``write(operation, method, **params)`` makes the calls (none in check mode)."""
    to_set, to_remove = wanted_tags(before, name, tags, purge_tags)
    after = {k: v for k, v in before.items() if k not in to_remove}
    after.update(to_set)
    if not check_mode:
        if to_remove:
            write("RemoveTagsFromResource", "remove_tags_from_resource", TagKeys=to_remove)
        if to_set:
            write("AddTagsToResource", "add_tags_to_resource", Tags=ansible_dict_to_boto3_tag_list(to_set))
    return to_set, to_remove, after


class ManagedInstanceManager:
    def __init__(self, module):
        self.module = module
        self.instance_id = module.params["instance_id"]
        self.client = module.client("ssm", retry_decorator=aws_retry)

    def call(self, operation, method, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"{operation} failed for {self.instance_id}")

    def find(self):
        try:
            found = describe_by_ids(self.client, [self.instance_id])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"DescribeInstanceInformation failed for {self.instance_id}")
        return format_instance(found[0]) if found else None

    def current_tags(self):
        response = self.call(
            "ListTagsForResource",
            "list_tags_for_resource",
            ResourceType="ManagedInstance",
            ResourceId=self.instance_id,
        )
        return boto3_tag_list_to_ansible_dict(response.get("TagList", []))

    def write_tags(self, operation, method, **params):
        self.call(operation, method, ResourceType="ManagedInstance", ResourceId=self.instance_id, **params)

    def ensure_present(self, instance):
        params = self.module.params
        if instance is None:
            self.module.fail_json(
                msg=f"instance_id: SSM does not know {self.instance_id} (never registered, or deregistered)"
            )
        before = self.current_tags()
        to_set, to_remove, after = sync_tags(
            self.write_tags,
            before,
            params["name"],
            params["tags"],
            purge_tags=params["purge_tags"],
            check_mode=self.module.check_mode,
        )
        # The Name tag as read and set: what SSM reports as Name may be the activation's default name.
        instance = dict(instance, name=after.get(NAME_TAG, ""))
        changed = bool(to_set or to_remove)
        self.module.exit_json(
            changed=changed, instance=instance, tags=after, diff=dict(before={"tags": before}, after={"tags": after})
        )

    def ensure_absent(self, instance):
        if instance is None:
            self.module.exit_json(changed=False, instance={})
        if not self.module.check_mode:
            try:
                self.client.deregister_managed_instance(InstanceId=self.instance_id, aws_retry=True)
            except is_boto3_error_code("InvalidInstanceId"):
                # Deregistered by someone else since we looked.
                self.module.exit_json(changed=False, instance={})
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"DeregisterManagedInstance failed for {self.instance_id}")
        self.module.exit_json(
            changed=True,
            instance=instance,
            diff=dict(before={"instance_id": self.instance_id, "state": "present"}, after={"state": "absent"}),
        )


class ManagedInstanceBatch:
    """Many managed instances (O(instances)): one batched lookup, then per instance only what SSM cannot batch."""

    def __init__(self, module):
        self.module = module
        self.client = module.client("ssm", retry_decorator=aws_retry)
        # A failure after a write must still report changed.
        self.written = False

    def call(self, operation, method, instance_id, **params):
        try:
            return getattr(self.client, method)(aws_retry=True, **params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"{operation} failed for {instance_id}", changed=self.written)

    def find(self, instance_ids):
        """The instances SSM knows among ``instance_ids``, by id (one call per 50 ids)."""
        if not instance_ids:
            return {}
        try:
            found = describe_by_ids(self.client, instance_ids)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"DescribeInstanceInformation failed for {', '.join(instance_ids)}")
        return {item["InstanceId"]: format_instance(item) for item in found}

    def ensure_present(self, element, instance):
        """(result entry, tags before, tags after); the tags are None when nothing was to compare."""
        instance_id = element["instance_id"]
        params = self.module.params
        tags = element["tags"] if element["tags"] is not None else params["tags"]
        if element["name"] is None and tags is None:
            return {"instance_id": instance_id, "changed": False, "name": instance["name"], "tags": None}, None, None
        response = self.call(
            "ListTagsForResource",
            "list_tags_for_resource",
            instance_id,
            ResourceType="ManagedInstance",
            ResourceId=instance_id,
        )
        before = boto3_tag_list_to_ansible_dict(response.get("TagList", []))

        def write(operation, method, **write_params):
            self.call(
                operation, method, instance_id, ResourceType="ManagedInstance", ResourceId=instance_id, **write_params
            )
            self.written = True

        to_set, to_remove, after = sync_tags(
            write, before, element["name"], tags, purge_tags=params["purge_tags"], check_mode=self.module.check_mode
        )
        entry = {
            "instance_id": instance_id,
            "changed": bool(to_set or to_remove),
            # The Name tag as read and set: what SSM reports as Name may be the activation's default name.
            "name": after.get(NAME_TAG, ""),
            "tags": after,
        }
        return entry, before, after

    def ensure_absent(self, instance_id, instance):
        """The result entry; an instance SSM does not know (or no longer knows) is left alone."""
        entry = {"instance_id": instance_id, "changed": False, "name": None, "tags": None}
        if instance is None:
            return entry
        entry["name"] = instance["name"]
        if not self.module.check_mode:
            try:
                self.client.deregister_managed_instance(InstanceId=instance_id, aws_retry=True)
            except is_boto3_error_code("InvalidInstanceId"):
                # Deregistered by someone else since we looked.
                return entry
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(
                    e, msg=f"DeregisterManagedInstance failed for {instance_id}", changed=self.written
                )
            self.written = True
        entry["changed"] = True
        return entry


def name_tag_problems(name, tags, parameter, name_parameter="name"):
    """A message when the Name tag in ``tags`` contradicts ``name``."""
    tags = tags or {}
    if name is None or NAME_TAG not in tags or str(tags[NAME_TAG]) == name:
        return []
    return [
        f"{parameter}: the Name tag ('{tags[NAME_TAG]}') contradicts {name_parameter} ('{name}'); "
        f"set only {name_parameter}"
    ]


def tag_rule_problems(tags, name, parameter, name_parameter="name"):
    """What SSM would refuse of ``tags`` and ``name`` (module_utils/ssm_tags.py), before any write."""
    problems = tag_problems(tags or {}, parameter, keep=(NAME_TAG,) if name is not None else ())
    if name is not None:
        problem = name_problem(name, name_parameter)
        if problem:
            problems.append(problem)
    return problems


def batch_problems(params):
    """Every problem of O(instances) and the options that go with it, before any call."""
    problems = []
    if params["name"] is not None:
        problems.append(
            "name: cannot be used with instances, as names differ per instance; "
            "give each element of instances its own name"
        )
    named = [element["name"] for element in params["instances"] if element["name"] is not None]
    problems += tag_problems(params["tags"] or {}, "tags", keep=(NAME_TAG,) if named else ())
    positions = {}
    for index, element in enumerate(params["instances"]):
        where = f"instances[{index}]"
        problems += managed_instance_id_problems([element["instance_id"]], f"{where}.instance_id")
        positions.setdefault(element["instance_id"], []).append(where)
        if element["tags"] is not None:
            problems += name_tag_problems(element["name"], element["tags"], f"{where}.tags", f"{where}.name")
            problems += tag_rule_problems(element["tags"], element["name"], f"{where}.tags", f"{where}.name")
        else:
            problems += name_tag_problems(element["name"], params["tags"], "tags", f"{where}.name")
            problems += tag_rule_problems(None, element["name"], "tags", f"{where}.name")
    for instance_id, where in positions.items():
        if len(where) > 1:
            problems.append(
                f"instances: {instance_id} is given more than once ({', '.join(where)}); give each instance once"
            )
    return problems


def run_batch(module):
    params = module.params
    elements = params["instances"]
    problems = batch_problems(params)
    if problems:
        module.fail_json(msg="; ".join(problems))

    batch = ManagedInstanceBatch(module)
    known = batch.find([element["instance_id"] for element in elements])
    before, after = {}, {}
    if params["state"] == "absent":
        entries = []
        for element in elements:
            instance_id = element["instance_id"]
            entries.append(batch.ensure_absent(instance_id, known.get(instance_id)))
            before[instance_id] = {"state": "present" if instance_id in known else "absent"}
            after[instance_id] = {"state": "absent"}
    else:
        unknown = [element["instance_id"] for element in elements if element["instance_id"] not in known]
        if unknown:
            module.fail_json(
                msg=f"instances: SSM does not know {', '.join(unknown)} (never registered, or deregistered)"
            )
        entries = []
        for element in elements:
            entry, tags_before, tags_after = batch.ensure_present(element, known[element["instance_id"]])
            entries.append(entry)
            if tags_before is not None:
                before[entry["instance_id"]] = {"tags": tags_before}
                after[entry["instance_id"]] = {"tags": tags_after}
    module.exit_json(
        changed=any(entry["changed"] for entry in entries),
        instances=entries,
        diff=dict(before=before, after=after),
    )


def main():
    argument_spec = dict(
        instance_id=dict(type="str"),
        instances=dict(
            type="list",
            elements="dict",
            options=dict(
                instance_id=dict(type="str", required=True),
                name=dict(type="str"),
                tags=dict(type="dict"),
            ),
        ),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("instance_id", "instances")],
        required_one_of=[("instance_id", "instances")],
    )
    params = module.params
    if params["instances"] is not None:
        run_batch(module)
    if params["instance_id"] is None:
        # Both given as null pass required_one_of.
        module.fail_json(msg="instance_id: one of instance_id and instances is required")

    problems = managed_instance_id_problems([params["instance_id"]], "instance_id")
    problems += name_tag_problems(params["name"], params["tags"], "tags")
    problems += tag_rule_problems(params["tags"], params["name"], "tags")
    if problems:
        module.fail_json(msg="; ".join(problems))

    manager = ManagedInstanceManager(module)
    instance = manager.find()
    if params["state"] == "absent":
        manager.ensure_absent(instance)
    manager.ensure_present(instance)


if __name__ == "__main__":
    main()
