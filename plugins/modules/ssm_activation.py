#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: ssm_activation
short_description: Create, describe or delete an SSM hybrid activation
version_added: 0.1.0
description:
  - Creates an AWS Systems Manager hybrid activation, with which on-premises hosts
    register their SSM agent (and become C(mi-…) managed instances); describes one;
    or deletes one.
  - B(The activation code is a secret.) It is returned once, by the task that creates
    the activation, and can never be read back. A task that calls this module with
    O(state=present) B(must) set C(no_log=true); otherwise the code is shown in the
    output and written to logs and AWX job events. Pass it on to the hosts in memory
    (a registered variable), never write it to a file on the controller.
  - O(state=present) without O(activation_id) always creates a new activation, because
    an existing activation's code cannot be read back and so cannot be reused. Delete
    it (O(state=absent)) as soon as the hosts have registered.
  - Deleting an activation does not deregister the instances that registered with it.
  - Supports check mode (nothing is written, the change is predicted) and diff mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  state:
    description:
      - V(present) creates an activation, or describes O(activation_id).
      - V(absent) deletes O(activation_id); an unknown id is left alone (C(changed=false)).
    type: str
    choices: [present, absent]
    default: present
  activation_id:
    description:
      - The activation to describe (O(state=present)) or delete (O(state=absent)).
      - With O(state=present), the other options are not used.
    type: str
  iam_role:
    description:
      - The IAM role the registered hosts assume, by name, with its path if it has one
        (for example V(ecsAnywhereRole) or V(service-role/ecsAnywhereRole)).
      - A role ARN is turned into that name, with a warning.
      - Required to create an activation.
      - A role created moments before may not be visible to SSM yet; creation is
        retried for up to two minutes.
    type: str
  registration_limit:
    description:
      - How many hosts may register with the activation, 1 to 1000.
    type: int
    default: 1
  expires_in:
    description:
      - How long the activation stays usable, as a number and a unit
        (V(s), V(m), V(h), V(d), V(w)), for example V(30m), V(1h), V(7d) or V(1d12h).
      - At least one minute, at most 30 days.
      - Defaults to V(1h) when O(expiration_date) is not given.
    type: str
  expiration_date:
    description:
      - When the activation expires, as an ISO 8601 date and time, for example
        V(2030-01-31T12:00:00Z) (UTC when no time zone is given).
      - At least one minute and at most 30 days ahead.
    type: str
  default_instance_name:
    description:
      - The name given to the instances that register with the activation (until their
        C(Name) tag is set).
    type: str
  description:
    description:
      - A description of the activation (at most 256 characters).
    type: str
  tags:
    description:
      - Tags of the activation. SSM also puts them on the instances that register with it.
    type: dict
    aliases: [resource_tags]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Activations cannot be changed after creation; SSM has no call for that.
"""

EXAMPLES = r"""
- name: Create an activation for the hosts that need to register
  onprem.ecs_anywhere.ssm_activation:
    region: eu-west-1
    iam_role: ecsAnywhereRole
    registration_limit: "{{ hosts_to_register | length }}"
    expires_in: 1h
    default_instance_name: ecs-anywhere
    tags:
      cluster: edge
  register: activation
  # The activation code is a secret: never show or log it.
  no_log: true

- name: Look an activation up (its code is not returned)
  onprem.ecs_anywhere.ssm_activation:
    activation_id: "{{ activation.activation.activation_id }}"
  register: activation_status

- name: Delete the activation once the hosts have registered
  onprem.ecs_anywhere.ssm_activation:
    activation_id: "{{ activation.activation.activation_id }}"
    state: absent
"""

RETURN = r"""
activation:
  description:
    - The activation. In check mode, before creation, the predicted one (no id, no code).
    - Empty after deletion or when O(activation_id) was unknown with O(state=absent).
  returned: always
  type: dict
  contains:
    activation_id:
      description: The activation id.
      type: str
      sample: 4f8b7c36-0000-4c6e-9a2e-1234567890ab
    activation_code:
      description:
        - B(Secret.) The activation code, returned only by the task that created the
          activation (never again). Call this module with C(no_log) set.
      type: str
      returned: when the activation was created
      sample: "<secret>"
    iam_role:
      description: The IAM role the registered hosts assume.
      type: str
      sample: ecsAnywhereRole
    registration_limit:
      description: How many hosts may register.
      type: int
      sample: 10
    registrations_count:
      description: How many hosts have registered.
      type: int
      sample: 3
    expiration_date:
      description: When the activation expires, ISO 8601.
      type: str
      sample: "2026-01-31T13:00:00+00:00"
    expired:
      description: Whether it has expired.
      type: bool
      sample: false
    default_instance_name:
      description: The default name of the registered instances.
      type: str
      sample: ecs-anywhere
    description:
      description: The description.
      type: str
      sample: ECS Anywhere hosts of site lyon
    created_date:
      description: When the activation was created, ISO 8601.
      type: str
      sample: "2026-01-31T12:00:00+00:00"
    tags:
      description: Its tags.
      type: dict
      sample:
        cluster: edge
"""

import datetime
import re
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

# ansible-core's own warn(), not AnsibleAWSModule.warn(): amazon.aws 10.1 passes its
# recorded warnings to exit_json, which ansible-core 2.19 reports as deprecated.
from ansible.module_utils.common.warnings import warn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import parse_arn
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import all_pages
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import expiry_problem
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import isoformat
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import parse_duration
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import parse_timestamp
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import activation_id_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.ssm_tags import name_problem
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.ssm_tags import tag_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.throttling import aws_retry

LONGEST_EXPIRY_SECONDS = 30 * 86400
DEFAULT_EXPIRES_IN = "1h"
ROLE_NAME = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]+$")
# How long SSM may take to see a role IAM has just created, and how often to ask.
ROLE_PROPAGATION_SECONDS = 120
ROLE_PROPAGATION_POLL_SECONDS = (2, 3, 5, 8, 10)


def role_name(module, iam_role):
    """The role name (with path) CreateActivation wants; an ARN is converted, with a warning."""
    if iam_role.startswith("arn:"):
        try:
            arn = parse_arn(iam_role)
        except ValueError as e:
            module.fail_json(msg=f"iam_role: {e}")
        if arn.service != "iam" or not arn.resource.startswith("role/"):
            module.fail_json(
                msg=f"iam_role: '{iam_role}' is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"
            )
        name = arn.resource[len("role/") :]
        warn(f"iam_role: SSM takes a role name, not an ARN; using '{name}'")
        iam_role = name
    iam_role = iam_role.strip("/")
    if not ROLE_NAME.match(iam_role) or len(iam_role) > 64:
        module.fail_json(
            msg=f"iam_role: '{iam_role}' is not a role name (letters, digits and +=,.@_-, an optional path, "
            "at most 64 characters)"
        )
    return iam_role


def expiration(module, now):
    """The requested expiry moment, validated."""
    params = module.params
    if params["expiration_date"] is not None:
        parameter, text = "expiration_date", params["expiration_date"]
        try:
            expires_at = parse_timestamp(text)
        except ValueError as e:
            module.fail_json(msg=f"expiration_date: {e}")
    else:
        parameter, text = "expires_in", params["expires_in"] or DEFAULT_EXPIRES_IN
        try:
            expires_at = now + datetime.timedelta(seconds=parse_duration(text))
        except ValueError as e:
            module.fail_json(msg=f"expires_in: {e}")
    problem = expiry_problem(expires_at, now, LONGEST_EXPIRY_SECONDS)
    if problem:
        module.fail_json(msg=f"{parameter}: '{text}' {problem} (SSM's limit is 30 days)")
    return expires_at


def validated_create_request(module, now):
    """The CreateActivation parameters; fails naming the option on bad input."""
    params = module.params
    if not params["iam_role"]:
        module.fail_json(msg="iam_role: required to create an activation (or give activation_id to describe one)")
    limit = params["registration_limit"]
    if not 1 <= limit <= 1000:
        module.fail_json(msg=f"registration_limit: must be between 1 and 1000, got {limit}")
    request = {
        "IamRole": role_name(module, params["iam_role"]),
        "RegistrationLimit": limit,
        "ExpirationDate": expiration(module, now),
    }
    problems = tag_problems(params["tags"] or {}, "tags")
    if params["default_instance_name"] is not None:
        problem = name_problem(params["default_instance_name"], "default_instance_name")
        if problem:
            problems.append(problem)
        request["DefaultInstanceName"] = params["default_instance_name"]
    if problems:
        module.fail_json(msg="; ".join(problems))
    if params["description"] is not None:
        if len(params["description"]) > 256:
            module.fail_json(msg=f"description: at most 256 characters, got {len(params['description'])}")
        request["Description"] = params["description"]
    if params["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list({str(k): str(v) for k, v in params["tags"].items()})
    return request


def format_activation(activation, code=None):
    result = {
        "activation_id": activation.get("ActivationId"),
        "iam_role": activation.get("IamRole"),
        "registration_limit": activation.get("RegistrationLimit"),
        "registrations_count": activation.get("RegistrationsCount", 0),
        "expiration_date": isoformat(activation.get("ExpirationDate")),
        "expired": activation.get("Expired", False),
        "default_instance_name": activation.get("DefaultInstanceName"),
        "description": activation.get("Description"),
        "created_date": isoformat(activation.get("CreatedDate")),
        "tags": boto3_tag_list_to_ansible_dict(activation.get("Tags", [])),
    }
    if code is not None:
        result["activation_code"] = code
    return result


def is_role_not_yet_visible(error):
    """AWS words it 'Nonexistent role or missing ssm service principal in trust policy'."""
    details = error.response.get("Error", {})
    return (
        details.get("Code") in ("ValidationException", "InvalidParameters")
        and "role" in str(details.get("Message", "")).lower()
    )


class ActivationManager:
    def __init__(self, module):
        self.module = module
        self.client = module.client("ssm", retry_decorator=aws_retry)

    def describe(self, activation_id):
        # Every page: SSM may answer a filtered call with a short (even empty) page and a NextToken.
        try:
            listed = all_pages(
                self.client.describe_activations,
                "ActivationList",
                Filters=[{"FilterKey": "ActivationIds", "FilterValues": [activation_id]}],
                aws_retry=True,
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"DescribeActivations failed for {activation_id}")
        found = [a for a in listed if a.get("ActivationId") == activation_id]
        return found[0] if found else None

    def create(self, request):
        deadline = time.monotonic() + ROLE_PROPAGATION_SECONDS
        attempt = 0
        while True:
            try:
                return self.client.create_activation(aws_retry=True, **request)
            except botocore.exceptions.ClientError as e:
                if not is_role_not_yet_visible(e):
                    self.module.fail_json_aws(e, msg="CreateActivation failed")
                if time.monotonic() >= deadline:
                    self.module.fail_json_aws(
                        e,
                        msg=f"iam_role: CreateActivation kept refusing role '{request['IamRole']}' for "
                        f"{ROLE_PROPAGATION_SECONDS} seconds: check that the role exists and trusts ssm.amazonaws.com",
                    )
                delay = ROLE_PROPAGATION_POLL_SECONDS[min(attempt, len(ROLE_PROPAGATION_POLL_SECONDS) - 1)]
                time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
                attempt += 1
            except botocore.exceptions.BotoCoreError as e:
                self.module.fail_json_aws(e, msg="CreateActivation failed")

    def ensure_created(self):
        now = datetime.datetime.now(datetime.UTC)
        request = validated_create_request(self.module, now)
        predicted = dict(request, RegistrationsCount=0, Expired=False)
        if self.module.check_mode:
            self.exit(True, format_activation(predicted), {}, format_activation(predicted))
        response = self.create(request)
        activation_id = response["ActivationId"]
        # Describe for the counts and dates SSM sets; fall back on the request if not yet listed.
        created = self.describe(activation_id) or dict(predicted, ActivationId=activation_id)
        summary = format_activation(created)
        self.exit(True, format_activation(created, code=response["ActivationCode"]), {}, summary)

    def ensure_described(self, activation_id):
        activation = self.describe(activation_id)
        if activation is None:
            self.module.fail_json(msg=f"activation_id: SSM has no activation '{activation_id}' in this region")
        summary = format_activation(activation)
        self.exit(False, summary, summary, summary)

    def ensure_deleted(self, activation_id):
        activation = self.describe(activation_id)
        if activation is None:
            self.exit(False, {}, {}, {})
        summary = format_activation(activation)
        if not self.module.check_mode:
            try:
                self.client.delete_activation(ActivationId=activation_id, aws_retry=True)
            except is_boto3_error_code(["InvalidActivationId", "InvalidActivation"]):
                # Deleted by someone else since we looked.
                self.exit(False, {}, {}, {})
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"DeleteActivation failed for {activation_id}")
        self.exit(True, {}, summary, {})

    def exit(self, changed, activation, before, after):
        self.module.exit_json(changed=changed, activation=activation, diff=dict(before=before, after=after))


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        activation_id=dict(type="str"),
        iam_role=dict(type="str"),
        registration_limit=dict(type="int", default=1),
        expires_in=dict(type="str"),
        expiration_date=dict(type="str"),
        default_instance_name=dict(type="str"),
        description=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["expires_in", "expiration_date"]],
        required_if=[["state", "absent", ["activation_id"]]],
    )
    activation_id = module.params["activation_id"]
    problems = activation_id_problems([activation_id] if activation_id is not None else [], "activation_id")
    if problems:
        module.fail_json(msg="; ".join(problems))

    manager = ActivationManager(module)
    if module.params["state"] == "absent":
        manager.ensure_deleted(activation_id)
    elif activation_id is not None:
        manager.ensure_described(activation_id)
    else:
        manager.ensure_created()


if __name__ == "__main__":
    main()
