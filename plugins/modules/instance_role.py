#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: instance_role
version_added: 0.1.0
short_description: Manage the IAM role that ECS Anywhere hosts assume
description:
  - Creates, updates or deletes the IAM role that on-premises hosts registered with
    an SSM hybrid activation assume, its trust policy, its managed-policy attachments,
    tags, maximum session duration and permissions boundary.
  - By default the role trusts C(ssm.amazonaws.com) only for activations of the
    caller's account (C(aws:SourceAccount) and C(aws:SourceArn) conditions, as AWS
    recommends against the confused-deputy problem) and carries the two AWS managed
    policies ECS Anywhere hosts need.
  - Policies are compared by meaning, not by text, so a second run with the same
    input writes nothing. A trust or an attachment changed by hand is put back.
  - Every input is checked before any write; check mode makes no write and reports
    what a real run would change; O(ignore:diff) mode shows the role before and after.
  - Managed policy names become ARNs in the partition of O(region) without any
    C(ListPolicies) call.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  name:
    description:
      - Name of the role. 1 to 64 characters from C([A-Za-z0-9_+=,.@-]).
    type: str
    required: true
  path:
    description:
      - Path of the role. Starts and ends with C(/), at most 512 characters.
      - IAM cannot move an existing role to another path; a different path on an
        existing role is reported with a warning and left as it is.
    type: str
    default: /
  description:
    description:
      - Description of the role. When not set, the description is left as it is.
    type: str
  state:
    description:
      - V(present) creates or updates the role; V(absent) detaches its managed
        policies, deletes its inline policies, removes it from instance profiles
        and deletes it.
    type: str
    choices: [present, absent]
    default: present
  trust_policy:
    description:
      - Trust policy (assume-role policy document) replacing the default SSM trust,
        as a dict or JSON text. It must have a C(Statement).
      - When not set, the role trusts C(ssm.amazonaws.com) with C(sts:AssumeRole),
        restricted as O(source_conditions) says.
    type: json
  source_conditions:
    description:
      - With the default trust, add C(StringEquals aws:SourceAccount=<account>) and
        C(ArnLike aws:SourceArn=arn:<partition>:ssm:<region>:<account>:*) for each of
        O(source_regions). The account is the caller's.
      - Ignored when O(trust_policy) is set.
    type: bool
    default: true
  source_regions:
    description:
      - Regions whose SSM activations may hand out the role, used in C(aws:SourceArn).
        V(*) allows every region of the partition.
      - Each region must be one botocore knows, in the partition of O(region).
    type: list
    elements: str
    default: ["*"]
  managed_policies:
    description:
      - Managed policies the role carries. A full ARN is used as it is; anything
        else is an AWS managed policy name, optionally with its path, made into
        C(arn:<partition>:iam::aws:policy/<item>).
      - A warning is given when the resulting set lacks C(AmazonSSMManagedInstanceCore)
        or C(service-role/AmazonEC2ContainerServiceforEC2Role), since hosts could not register
        with SSM or join ECS.
    type: list
    elements: str
    default:
      - AmazonSSMManagedInstanceCore
      - service-role/AmazonEC2ContainerServiceforEC2Role
  purge_policies:
    description:
      - Detach attached managed policies that O(managed_policies) does not list.
    type: bool
    default: true
  tags:
    description:
      - Tags of the role, as a dict. Keys may not begin with C(aws:).
      - When not set, tags are left as they are.
    type: dict
  purge_tags:
    description:
      - Remove tags not listed in O(tags). Only applies when O(tags) is set.
    type: bool
    default: true
  max_session_duration:
    description:
      - Maximum session duration in seconds, 3600 to 43200. When not set, it is left
        as it is (IAM's default for a new role is 3600).
    type: int
  permissions_boundary:
    description:
      - ARN of the managed policy used as permissions boundary. An empty string removes
        the boundary; when not set, the boundary is left as it is.
    type: str
  wait:
    description:
      - After creating the role, wait until IAM returns it (C(GetRole)) before attaching
        policies, absorbing IAM's read-after-create lag; the next task (for example an
        SSM activation naming the role) then finds it too.
      - With V(false), policies are attached right after C(CreateRole).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait at most when O(wait=true).
    type: int
    default: 120
notes:
  - The partition (C(aws), C(aws-cn), C(aws-us-gov), ...) is taken from O(region) using
    botocore's partition data; without a region, C(us-east-1) is assumed.
  - A run that changes nothing makes two IAM reads (C(GetRole), C(ListAttachedRolePolicies)).
    The account is taken from the role's ARN; C(sts:GetCallerIdentity) is only called
    when the role does not exist yet.
  - Throttling is retried with jittered backoff.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The role ECS Anywhere hosts assume, with the default SSM trust and policies
  onprem.ecs_anywhere.instance_role:
    name: ecsAnywhereRole
    region: eu-west-1

- name: Restrict the trust to activations made in two regions, tag the role
  onprem.ecs_anywhere.instance_role:
    name: ecsAnywhereRole
    region: eu-west-1
    description: ECS Anywhere hosts
    source_regions:
      - eu-west-1
      - eu-central-1
    tags:
      team: edge

- name: Add a policy of the account and keep policies attached by others
  onprem.ecs_anywhere.instance_role:
    name: ecsAnywhereRole
    managed_policies:
      - AmazonSSMManagedInstanceCore
      - service-role/AmazonEC2ContainerServiceforEC2Role
      - arn:aws:iam::123456789012:policy/read-artifacts
    purge_policies: false
    permissions_boundary: arn:aws:iam::123456789012:policy/boundary

- name: A role in China (ARNs in the aws-cn partition)
  onprem.ecs_anywhere.instance_role:
    name: ecsAnywhereRole
    region: cn-north-1

- name: Remove the role
  onprem.ecs_anywhere.instance_role:
    name: ecsAnywhereRole
    state: absent
"""

RETURN = r"""
role:
  description:
    - The role as IAM holds it after the run; the predicted role in check mode.
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the role.
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:role/ecsAnywhereRole
    role_name:
      description: Name of the role.
      type: str
      returned: when the role exists
      sample: ecsAnywhereRole
    role_id:
      description: Stable unique id of the role; null in check mode before it is created.
      type: str
      returned: when the role exists
      sample: AROAEXAMPLEID1234567
    path:
      description: Path of the role.
      type: str
      returned: when the role exists
      sample: /
    description:
      description: Description of the role.
      type: str
      returned: when the role exists
      sample: ECS Anywhere hosts
    assume_role_policy_document:
      description: The trust policy, as a dict, with its keys as IAM holds them.
      type: dict
      returned: when the role exists
      sample:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: ssm.amazonaws.com
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: "123456789012"
              ArnLike:
                aws:SourceArn: "arn:aws:ssm:*:123456789012:*"
    managed_policies:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      returned: when the role exists
      sample:
        - arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore
        - arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
    tags:
      description: Tags of the role.
      type: dict
      returned: when the role exists
      sample:
        team: edge
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      returned: when the role exists
      sample: 3600
    permissions_boundary:
      description: ARN of the permissions boundary policy, or null.
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:policy/boundary
    create_date:
      description: When the role was created (ISO 8601); null in check mode before it is created.
      type: str
      returned: when the role exists
      sample: "2024-05-01T12:00:00+00:00"
diff:
  description: With O(ignore:diff), the role's returned fields before and after.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The role before the run (empty if it did not exist).
      type: dict
      returned: when diff mode is on
    after:
      description: The role after the run (empty after O(state=absent)).
      type: dict
      returned: when diff mode is on
"""

import re
import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

from ansible.module_utils.common.text.converters import to_text

# ansible-core's own warn(), not AnsibleAWSModule.warn(): amazon.aws 10.1 passes its
# recorded warnings to exit_json, which ansible-core 2.19 reports as deprecated.
from ansible.module_utils.common.warnings import warn

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import account_from_arn
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import aws_managed_policy_arn
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import build_arn
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import partition_for_region
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import validate_iam_policy_arn
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import validate_region
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.trust_policy import load_policy
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.trust_policy import policies_equal
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.trust_policy import ssm_trust_policy

REQUIRED_POLICIES = (
    ("AmazonSSMManagedInstanceCore", "hosts could not register with SSM"),
    ("service-role/AmazonEC2ContainerServiceforEC2Role", "hosts could not join ECS"),
)
DEFAULT_REGION = "us-east-1"
_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_PATH_RE = re.compile(r"^/([\x21-\x7e]*/)?$")


class Desired:
    """What the user asked for, checked and with names made into ARNs; no AWS call."""

    def __init__(self, module):
        params = module.params
        self.fail = module.fail_json
        self.name = params["name"]
        self.path = params["path"]
        self.region = module.region or DEFAULT_REGION
        self.description = params["description"]
        # IAM holds tag values as strings; 1 and "1" must not differ on every run.
        self.tags = None if params["tags"] is None else {str(k): str(v) for k, v in params["tags"].items()}
        self.max_session_duration = params["max_session_duration"]
        self.trust_policy = None
        self.managed_policies = []
        self.permissions_boundary = params["permissions_boundary"]
        self.source_regions = params["source_regions"]
        self._validate(params)

    def _bad(self, option, rule):
        self.fail(msg=f"{option}: {rule}")

    def _validate(self, params):
        if not _NAME_RE.match(self.name):
            self._bad("name", f"{self.name!r} must be 1 to 64 characters from [A-Za-z0-9_+=,.@-]")
        if len(self.path) > 512 or not _PATH_RE.match(self.path):
            self._bad("path", f"{self.path!r} must start and end with / and be at most 512 printable characters")
        if self.description is not None and len(self.description) > 1000:
            self._bad("description", "must be at most 1000 characters")
        if self.max_session_duration is not None and not 3600 <= self.max_session_duration <= 43200:
            self._bad("max_session_duration", f"{self.max_session_duration} is not between 3600 and 43200")
        for key in self.tags or {}:
            if key.lower().startswith("aws:"):
                self._bad("tags", f"key {key!r} begins with aws:, which AWS reserves")
        try:
            self.partition = partition_for_region(self.region)
        except ValueError as e:
            self._bad("region", to_text(e))
        if params["trust_policy"] is not None:
            try:
                self.trust_policy = load_policy(params["trust_policy"])
            except ValueError as e:
                self._bad("trust_policy", to_text(e))
        for region in self.source_regions:
            if region == "*":
                continue
            try:
                validate_region(region)
            except ValueError as e:
                self._bad("source_regions", to_text(e))
            if partition_for_region(region) != self.partition:
                self._bad(
                    "source_regions",
                    f"{region!r} is not in partition {self.partition} of region {self.region}",
                )
        for item in params["managed_policies"]:
            try:
                arn = aws_managed_policy_arn(item, self.partition)
            except ValueError as e:
                self._bad("managed_policies", to_text(e))
            if arn not in self.managed_policies:
                self.managed_policies.append(arn)
        if self.permissions_boundary:
            try:
                validate_iam_policy_arn(self.permissions_boundary)
            except ValueError as e:
                self._bad("permissions_boundary", to_text(e))
        self.source_conditions = params["source_conditions"]

    def trust_for(self, account):
        if self.trust_policy is not None:
            return self.trust_policy
        return ssm_trust_policy(account, self.partition, self.source_regions, self.source_conditions)

    @property
    def trust_needs_account(self):
        return self.trust_policy is None and self.source_conditions


class RoleManager:
    """Reads the role, works out the difference and writes only that."""

    def __init__(self, module, region):
        self.module = module
        # IAM is global, but botocore needs a region to sign and to pick the partition's endpoint.
        self.region = region
        self.client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff(), region=region)
        self.changed = False

    def call(self, operation, **kwargs):
        """Call IAM ``operation`` (CamelCase) with retries; fail naming the IAM action."""
        method = getattr(self.client, botocore.xform_name(operation))
        try:
            return method(aws_retry=True, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg="iam:{} failed for role {}".format(operation, self.module.params["name"]))

    def list_all(self, operation, result_key, **kwargs):
        items = []
        marker = None
        while True:
            page = self.call(operation, **dict(kwargs, Marker=marker) if marker else kwargs)
            items.extend(page[result_key])
            if not page.get("IsTruncated"):
                return items
            marker = page["Marker"]

    def get_role(self, name):
        try:
            return self.client.get_role(RoleName=name, aws_retry=True)["Role"]
        except is_boto3_error_code("NoSuchEntity"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"iam:GetRole failed for role {name}")

    def attached_policies(self, name):
        return sorted(
            p["PolicyArn"] for p in self.list_all("ListAttachedRolePolicies", "AttachedPolicies", RoleName=name)
        )

    def caller_account(self):
        sts = self.module.client("sts", retry_decorator=AWSRetry.jittered_backoff(), region=self.region)
        try:
            return sts.get_caller_identity(aws_retry=True)["Account"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(
                e, msg="sts:GetCallerIdentity failed (needed for the account in the trust policy)"
            )

    def write(self, operation, **kwargs):
        """Make a write (or, in check mode, only count it as a change); return IAM's answer or None."""
        self.changed = True
        if self.module.check_mode:
            return None
        return self.call(operation, **kwargs)

    def wait_until_visible(self, name):
        """Poll GetRole until IAM returns the new role, bounded by wait_timeout."""
        deadline = time.time() + self.module.params["wait_timeout"]
        delay = 1
        while True:
            role = self.get_role(name)
            if role is not None:
                return role
            if time.time() + delay > deadline:
                self.module.fail_json(
                    msg="role {} created but IAM did not return it within wait_timeout={}s".format(
                        name, self.module.params["wait_timeout"]
                    )
                )
            time.sleep(delay)
            delay = min(delay * 2, 10)


def role_view(role, managed_policies):
    """The role as this module returns it."""
    if role is None:
        return {}
    create_date = role.get("CreateDate")
    return {
        "arn": role["Arn"],
        "role_name": role["RoleName"],
        "role_id": role.get("RoleId"),
        "path": role["Path"],
        "description": role.get("Description"),
        "assume_role_policy_document": role["AssumeRolePolicyDocument"],
        "managed_policies": sorted(managed_policies),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags", [])),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "create_date": create_date.isoformat() if hasattr(create_date, "isoformat") else create_date,
    }


def policy_changes(current, desired, purge):
    to_attach = sorted(set(desired) - set(current))
    to_detach = sorted(set(current) - set(desired)) if purge else []
    return to_attach, to_detach


def create_role(manager, desired, params):
    account = manager.caller_account() if desired.trust_needs_account or manager.module.check_mode else None
    trust = desired.trust_for(account)
    request = {
        "RoleName": desired.name,
        "Path": desired.path,
        "AssumeRolePolicyDocument": manager.module.jsonify(trust),
    }
    if desired.description is not None:
        request["Description"] = desired.description
    if desired.max_session_duration is not None:
        request["MaxSessionDuration"] = desired.max_session_duration
    if desired.permissions_boundary:
        request["PermissionsBoundary"] = desired.permissions_boundary
    if desired.tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(desired.tags)
    created = manager.write("CreateRole", **request)
    role = {
        "Arn": build_arn(desired.partition, "iam", "", account, "role" + desired.path + desired.name),
        "RoleName": desired.name,
        "RoleId": None,
        "Path": desired.path,
        "Description": desired.description,
        "AssumeRolePolicyDocument": trust,
        "Tags": request.get("Tags", []),
        "MaxSessionDuration": desired.max_session_duration or 3600,
        "PermissionsBoundary": {"PermissionsBoundaryArn": desired.permissions_boundary or None},
        "CreateDate": None,
    }
    if created:
        role.update((key, created["Role"][key]) for key in ("Arn", "RoleId", "CreateDate"))
        if params["wait"]:
            # Attaching to a role IAM does not show yet fails with NoSuchEntity.
            manager.wait_until_visible(desired.name)
    for arn in desired.managed_policies:
        manager.write("AttachRolePolicy", RoleName=desired.name, PolicyArn=arn)
    return role, desired.managed_policies


def update_role(manager, desired, params, role, attached):
    """Bring an existing role to the desired state; return the role as it will be."""
    name = desired.name
    predicted = dict(role)
    if role["Path"] != desired.path:
        warn(
            "role {} has path {}; IAM cannot change a role's path (delete the role to recreate it at {})".format(
                name, role["Path"], desired.path
            )
        )
    trust = desired.trust_for(account_from_arn(role["Arn"]))
    if not policies_equal(role["AssumeRolePolicyDocument"], trust):
        manager.write("UpdateAssumeRolePolicy", RoleName=name, PolicyDocument=manager.module.jsonify(trust))
        predicted["AssumeRolePolicyDocument"] = trust
    update = {}
    if desired.description is not None and desired.description != role.get("Description", ""):
        update["Description"] = desired.description
        predicted["Description"] = desired.description
    if desired.max_session_duration is not None and desired.max_session_duration != role.get("MaxSessionDuration"):
        update["MaxSessionDuration"] = desired.max_session_duration
        predicted["MaxSessionDuration"] = desired.max_session_duration
    if update:
        manager.write("UpdateRole", RoleName=name, **update)
    current_boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if desired.permissions_boundary == "" and current_boundary:
        manager.write("DeleteRolePermissionsBoundary", RoleName=name)
        predicted["PermissionsBoundary"] = None
    elif desired.permissions_boundary and desired.permissions_boundary != current_boundary:
        manager.write("PutRolePermissionsBoundary", RoleName=name, PermissionsBoundary=desired.permissions_boundary)
        predicted["PermissionsBoundary"] = {"PermissionsBoundaryArn": desired.permissions_boundary}
    if desired.tags is not None:
        current_tags = boto3_tag_list_to_ansible_dict(role.get("Tags", []))
        tags_to_set, tags_to_remove = compare_aws_tags(current_tags, desired.tags, params["purge_tags"])
        if tags_to_remove:
            manager.write("UntagRole", RoleName=name, TagKeys=tags_to_remove)
        if tags_to_set:
            manager.write("TagRole", RoleName=name, Tags=ansible_dict_to_boto3_tag_list(tags_to_set))
        new_tags = {k: v for k, v in current_tags.items() if k not in tags_to_remove}
        new_tags.update(tags_to_set)
        predicted["Tags"] = ansible_dict_to_boto3_tag_list(new_tags)
    to_attach, to_detach = policy_changes(attached, desired.managed_policies, params["purge_policies"])
    for arn in to_detach:
        manager.write("DetachRolePolicy", RoleName=name, PolicyArn=arn)
    for arn in to_attach:
        manager.write("AttachRolePolicy", RoleName=name, PolicyArn=arn)
    final_policies = sorted((set(attached) - set(to_detach)) | set(to_attach))
    if not manager.changed or manager.module.check_mode:
        return predicted, final_policies
    return manager.get_role(name), manager.attached_policies(name)


def warn_missing_required(module, partition, managed_policies):
    for policy_name, consequence in REQUIRED_POLICIES:
        arn = aws_managed_policy_arn(policy_name, partition)
        if arn not in managed_policies:
            warn("role {} lacks {}: {}".format(module.params["name"], arn, consequence))


def ensure_present(module, manager, desired):
    role = manager.get_role(desired.name)
    if role is None:
        before = {}
        role, policies = create_role(manager, desired, module.params)
    else:
        attached = manager.attached_policies(desired.name)
        before = role_view(role, attached)
        role, policies = update_role(manager, desired, module.params, role, attached)
    after = role_view(role, policies)
    warn_missing_required(module, desired.partition, after["managed_policies"])
    return before, after


def ensure_absent(module, manager):
    name = module.params["name"]
    role = manager.get_role(name)
    if role is None:
        return {}, {}
    attached = manager.attached_policies(name)
    before = role_view(role, attached)
    for arn in attached:
        manager.write("DetachRolePolicy", RoleName=name, PolicyArn=arn)
    for policy_name in manager.list_all("ListRolePolicies", "PolicyNames", RoleName=name):
        manager.write("DeleteRolePolicy", RoleName=name, PolicyName=policy_name)
    for profile in manager.list_all("ListInstanceProfilesForRole", "InstanceProfiles", RoleName=name):
        manager.write(
            "RemoveRoleFromInstanceProfile", InstanceProfileName=profile["InstanceProfileName"], RoleName=name
        )
    manager.write("DeleteRole", RoleName=name)
    return before, {}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        trust_policy=dict(type="json"),
        source_conditions=dict(type="bool", default=True),
        source_regions=dict(type="list", elements="str", default=["*"]),
        managed_policies=dict(
            type="list",
            elements="str",
            default=["AmazonSSMManagedInstanceCore", "service-role/AmazonEC2ContainerServiceforEC2Role"],
        ),
        purge_policies=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        max_session_duration=dict(type="int"),
        permissions_boundary=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    # Every input is checked before the first AWS call.
    desired = Desired(module)
    manager = RoleManager(module, desired.region)
    if module.params["state"] == "present":
        before, after = ensure_present(module, manager, desired)
    else:
        before, after = ensure_absent(module, manager)
    result = {"changed": manager.changed, "role": after}
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
