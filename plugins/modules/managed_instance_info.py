#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: managed_instance_info
short_description: Look up SSM managed instances (hybrid-activated hosts) in batches
version_added: 0.1.0
description:
  - Looks up AWS Systems Manager managed instances (C(mi-) ids) by id, activation,
    ping status, tags and name, and reports the asked-for ids SSM does not know.
  - Built for classifying hundreds of hosts at once. Ids are looked up 50 per
    C(DescribeInstanceInformation) call, so 500 ids take 10 calls (at most one more
    when SSM hands out an empty last page).
  - Never changes anything; supports check mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  instance_ids:
    description:
      - Managed instance ids (C(mi-) followed by 17 lowercase hex digits), any number.
      - Ids SSM does not know are listed in RV(missing), also where SSM refuses a whole
        call for an id it does not know (C(InvalidInstanceId)). Such a call is repeated
        without the ids it names (or split in halves when it names none).
    type: list
    elements: str
  activation_ids:
    description:
      - Only instances registered with one of these hybrid activations.
    type: list
    elements: str
  ping_status:
    description:
      - Only instances whose ping status is one of these.
    type: list
    elements: str
    choices: [Online, ConnectionLost, Inactive]
  tags:
    description:
      - Only instances carrying every one of these tags (key and value).
      - A value may be a list, for any of its values (looked up 100 values per call).
      - SSM cannot combine tag filters with other filters in one call, so with
        O(tags) the tagged instances are listed and the other filters are applied
        to them; with O(instance_ids) as well, the ids are also looked up (50 per call).
    type: dict
  name:
    description:
      - Only instances whose C(Name) tag is exactly this (a tag filter, see O(tags)).
    type: str
  tag_keys:
    description:
      - Only instances carrying every one of these tag keys, whatever their values (a tag filter, see O(tags)).
    type: list
    elements: str
  with_tags:
    description:
      - Also return each instance's tags (RV(instances[].tags)). SSM has no batched tag read, so this
        costs one C(ListTagsForResource) per instance found; meant for lookups that find few.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which of the inventory's mi- ids does SSM still know?
  onprem.ecs_anywhere.managed_instance_info:
    region: eu-west-1
    instance_ids: "{{ ansible_play_hosts | map('extract', hostvars, 'ecs_anywhere_mi_id') | select | list }}"
  register: ssm_lookup

- name: Hosts that registered with one activation and are online
  onprem.ecs_anywhere.managed_instance_info:
    activation_ids:
      - 4f8b7c36-0000-4c6e-9a2e-1234567890ab
    ping_status: [Online]

- name: Instances tagged for one site
  onprem.ecs_anywhere.managed_instance_info:
    tags:
      site: lyon
"""

RETURN = r"""
instances:
  description: The managed instances matching every given filter.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: The managed instance id.
      type: str
      sample: mi-0123456789abcdef0
    name:
      description:
        - The name SSM reports. AWS documents it as the activation's default instance name; the
          C(Name) tag is what O(name) matches and what the console shows.
      type: str
      sample: edge-01
    ping_status:
      description: C(Online), C(ConnectionLost) or C(Inactive).
      type: str
      sample: Online
    last_ping_date_time:
      description: When the SSM agent last reported, ISO 8601.
      type: str
      sample: "2026-01-31T12:00:00+00:00"
    computer_name:
      description: The host name the agent reported.
      type: str
      sample: edge-01.example.com
    ip_address:
      description: The IP address the agent reported.
      type: str
      sample: 192.0.2.10
    activation_id:
      description: The activation the instance registered with.
      type: str
      sample: 4f8b7c36-0000-4c6e-9a2e-1234567890ab
    iam_role:
      description: The IAM role the instance assumes.
      type: str
      sample: ecsAnywhereRole
    registration_date:
      description: When the instance registered, ISO 8601.
      type: str
      sample: "2026-01-30T08:00:00+00:00"
    agent_version:
      description: The SSM agent's version.
      type: str
      sample: 3.3.0.0
    platform_type:
      description: C(Linux), C(Windows) or C(MacOS).
      type: str
      sample: Linux
    platform_name:
      description: The operating system's name.
      type: str
      sample: Debian GNU/Linux
    platform_version:
      description: The operating system's version.
      type: str
      sample: "12"
    resource_type:
      description: C(ManagedInstance) for hybrid-activated hosts.
      type: str
      sample: ManagedInstance
    tags:
      description: The instance's tags, with O(with_tags) only.
      type: dict
      returned: when O(with_tags=true)
      sample: {Name: edge-01}
missing:
  description: The ids of O(instance_ids) that SSM does not know (never registered, or deregistered).
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
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import activation_id_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import managed_instance_id_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.managed_instances import lookup
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry


def main():
    argument_spec = dict(
        instance_ids=dict(type="list", elements="str"),
        activation_ids=dict(type="list", elements="str"),
        ping_status=dict(type="list", elements="str", choices=["Online", "ConnectionLost", "Inactive"]),
        tags=dict(type="dict"),
        name=dict(type="str"),
        tag_keys=dict(type="list", elements="str", no_log=False),
        with_tags=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    problems = managed_instance_id_problems(params["instance_ids"] or [], "instance_ids")
    problems += activation_id_problems(params["activation_ids"] or [], "activation_ids")
    if problems:
        module.fail_json(msg="; ".join(problems))

    client = module.client("ssm", retry_decorator=aws_retry)
    try:
        instances, missing = lookup(
            client,
            instance_ids=params["instance_ids"],
            activation_ids=params["activation_ids"],
            ping_status=params["ping_status"],
            tags=params["tags"],
            name=params["name"],
            tag_keys=params["tag_keys"],
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to look up managed instances (DescribeInstanceInformation)")
    if params["with_tags"]:
        for instance in instances:
            try:
                response = client.list_tags_for_resource(
                    aws_retry=True, ResourceType="ManagedInstance", ResourceId=instance["instance_id"]
                )
            except is_boto3_error_code("InvalidResourceId"):
                instance["tags"] = {}  # deregistered since the lookup
                continue
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(
                    e, msg=f"Failed to read the tags of {instance['instance_id']} (ListTagsForResource)"
                )
            instance["tags"] = boto3_tag_list_to_ansible_dict(response.get("TagList", []))
    module.exit_json(changed=False, instances=instances, missing=missing)


if __name__ == "__main__":
    main()
