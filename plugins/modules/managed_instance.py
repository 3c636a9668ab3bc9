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
  - Supports check mode (nothing is written, the change is predicted) and diff mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  instance_id:
    description:
      - The managed instance id, C(mi-) followed by 17 lowercase hex digits.
    type: str
    required: true
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
"""

RETURN = r"""
instance:
  description:
    - The managed instance (as before deregistration with O(state=absent)); empty when SSM does not know it.
    - Same keys as the elements of RV(onprem.ecs_anywhere.managed_instance_info#module:instances).
  returned: always
  type: dict
  sample:
    instance_id: mi-0123456789abcdef0
    name: edge-01
    ping_status: Online
    activation_id: 4f8b7c36-0000-4c6e-9a2e-1234567890ab
tags:
  description: The instance's tags after the change (predicted in check mode).
  returned: when O(state=present)
  type: dict
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

    def ensure_present(self, instance):
        params = self.module.params
        if instance is None:
            self.module.fail_json(
                msg=f"instance_id: SSM does not know {self.instance_id} (never registered, or deregistered)"
            )
        before = self.current_tags()
        to_set, to_remove = wanted_tags(before, params["name"], params["tags"], params["purge_tags"])
        after = {k: v for k, v in before.items() if k not in to_remove}
        after.update(to_set)
        if not self.module.check_mode:
            if to_remove:
                self.call(
                    "RemoveTagsFromResource",
                    "remove_tags_from_resource",
                    ResourceType="ManagedInstance",
                    ResourceId=self.instance_id,
                    TagKeys=to_remove,
                )
            if to_set:
                self.call(
                    "AddTagsToResource",
                    "add_tags_to_resource",
                    ResourceType="ManagedInstance",
                    ResourceId=self.instance_id,
                    Tags=ansible_dict_to_boto3_tag_list(to_set),
                )
        if NAME_TAG in to_set:
            instance = dict(instance, name=to_set[NAME_TAG])
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


def main():
    argument_spec = dict(
        instance_id=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problems = managed_instance_id_problems([params["instance_id"]], "instance_id")
    tags = params["tags"] or {}
    if params["name"] is not None and NAME_TAG in tags and str(tags[NAME_TAG]) != params["name"]:
        problems.append(
            "tags: the Name tag ('{}') contradicts name ('{}'); set only name".format(tags[NAME_TAG], params["name"])
        )
    reserved = sorted(str(key) for key in tags if str(key).lower().startswith("aws:"))
    if reserved:
        problems.append("tags: {} begin(s) with aws:, a prefix AWS reserves".format(", ".join(reserved)))
    if problems:
        module.fail_json(msg="; ".join(problems))

    manager = ManagedInstanceManager(module)
    instance = manager.find()
    if params["state"] == "absent":
        manager.ensure_absent(instance)
    manager.ensure_present(instance)


if __name__ == "__main__":
    main()
