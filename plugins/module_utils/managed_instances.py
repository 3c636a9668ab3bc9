# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Batched lookups of SSM managed instances and the shape the modules return them in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import build_arn, partition_for_region
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import all_pages, chunked
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import isoformat

# DescribeInstanceInformation returns at most 50 per call; asking for 50 ids
# at a time makes one call per chunk.
IDS_PER_CALL = 50
# A filter takes at most 100 values.
FILTER_VALUES_PER_CALL = 100
# The Resource Groups Tagging API's GetResources takes at most 100 ARNs a call.
ARNS_PER_CALL = 100

# DescribeInstanceInformation's filter keys other than tag filters, each with the InstanceInformation
# member it matches: what a call cannot send beside tag filters is applied to its answer.
FILTER_FIELDS = {
    "ActivationIds": "ActivationId",
    "AgentVersion": "AgentVersion",
    "AssociationStatus": "AssociationStatus",
    "IamRole": "IamRole",
    "InstanceIds": "InstanceId",
    "PingStatus": "PingStatus",
    "PlatformTypes": "PlatformType",
    "ResourceType": "ResourceType",
}

_FIELDS = {
    "instance_id": "InstanceId",
    "name": "Name",
    "ping_status": "PingStatus",
    "last_ping_date_time": "LastPingDateTime",
    "computer_name": "ComputerName",
    "ip_address": "IPAddress",
    "activation_id": "ActivationId",
    "iam_role": "IamRole",
    "registration_date": "RegistrationDate",
    "agent_version": "AgentVersion",
    "platform_type": "PlatformType",
    "platform_name": "PlatformName",
    "platform_version": "PlatformVersion",
    "resource_type": "ResourceType",
}


def format_instance(information):
    """One InstanceInformation entry as the modules return it."""
    return {key: isoformat(information.get(field)) for key, field in _FIELDS.items()}


def _describe(client, filters):
    return all_pages(
        client.describe_instance_information,
        "InstanceInformationList",
        Filters=filters,
        MaxResults=IDS_PER_CALL,
        aws_retry=True,
    )


def _error_code(error):
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code")


def _known(client, ids):
    """InstanceInformation of those of IDS SSM knows. AWS may refuse a whole call for an id it does
    not know (InvalidInstanceId) rather than leave it out: the ids its message names are dropped,
    else the call is split in halves, down to the single unknown id."""
    found = []
    pending = [ids]
    while pending:
        chunk = pending.pop()
        try:
            found.extend(_describe(client, [{"Key": "InstanceIds", "Values": chunk}]))
        except Exception as error:  # botocore's ClientError; botocore is the caller's import
            if _error_code(error) != "InvalidInstanceId":
                raise
            message = str(error)
            rest = [instance_id for instance_id in chunk if instance_id not in message]
            if len(rest) < len(chunk):
                if rest:
                    pending.append(rest)
            elif len(chunk) > 1:
                half = len(chunk) // 2
                pending.extend([chunk[half:], chunk[:half]])
    return found


def describe_by_ids(client, instance_ids):
    """InstanceInformation of those of ``instance_ids`` SSM knows, one call per 50 ids (more for a
    chunk holding an id SSM refuses to look up, see _known)."""
    found = []
    for chunk in chunked(instance_ids, IDS_PER_CALL):
        found.extend(_known(client, chunk))
    return found


def describe_by_tags(client, tags, tag_keys=None):
    """InstanceInformation of instances carrying every one of ``tags`` and of ``tag_keys`` (SSM
    forbids mixing tag filters with others). A tag's value may be a list: any of its values,
    100 per call."""
    per_key = []
    for key, value in (tags or {}).items():
        values = [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]
        per_key.append([("tag:%s" % key, chunk) for chunk in chunked(values, FILTER_VALUES_PER_CALL)])
    for key in tag_keys or []:
        per_key.append([("tag-key", [str(key)])])
    found = []
    for combination in itertools.product(*per_key):
        found.extend(_describe(client, [{"Key": key, "Values": values} for key, values in combination]))
    return found


def describe_by_filters(client, activation_ids=None, ping_status=None):
    """Managed instances by activation and ping status, one call per 100 activation ids (plus pages)."""
    common = [{"Key": "ResourceType", "Values": ["ManagedInstance"]}]
    if ping_status:
        common.append({"Key": "PingStatus", "Values": list(ping_status)})
    if not activation_ids:
        return _describe(client, common)
    found = []
    for chunk in chunked(activation_ids, FILTER_VALUES_PER_CALL):
        found.extend(_describe(client, [*common, {"Key": "ActivationIds", "Values": chunk}]))
    return found


def select(instances, activation_ids=None, ping_status=None):
    """Keep the instances matching every given criterion (applied after the server's filters)."""
    kept = []
    for instance in instances:
        if activation_ids and instance.get("ActivationId") not in activation_ids:
            continue
        if ping_status and instance.get("PingStatus") not in ping_status:
            continue
        kept.append(instance)
    return kept


def lookup(client, *, instance_ids=None, activation_ids=None, ping_status=None, tags=None, name=None, tag_keys=None):
    """Managed instances matching every given filter, and the asked-for ids SSM does not know.

    Ids are looked up on their own so that ``missing`` means "unknown to SSM",
    not "filtered out"; the other filters are then applied to what was found.
    A name is the Name tag: what DescribeInstanceInformation reports as Name is documented as
    the activation's default instance name, so it is not matched against.
    """
    if name is not None:
        tags = dict(tags or {}, Name=name)
    by_id = None
    if instance_ids:
        by_id = {item["InstanceId"]: item for item in describe_by_ids(client, instance_ids)}
    if tags or tag_keys:
        tagged = describe_by_tags(client, tags, tag_keys)
        candidates = tagged if by_id is None else [item for item in tagged if item["InstanceId"] in by_id]
    elif by_id is not None:
        candidates = list(by_id.values())
    else:
        candidates = describe_by_filters(client, activation_ids, ping_status)
    # Pages may overlap when instances change between calls: keep each id once.
    unique = list({item["InstanceId"]: item for item in candidates}.values())
    matching = select(unique, activation_ids, ping_status)
    missing = [] if by_id is None else [i for i in dict.fromkeys(instance_ids) if i not in by_id]
    return [format_instance(item) for item in matching], missing


def is_tag_filter(key):
    """Whether a DescribeInstanceInformation filter key is a tag filter (``tag:<key>``, ``tag-key``)."""
    return str(key).startswith("tag:") or key == "tag-key"


def describe_managed_instances(client, filters=None):
    """InstanceInformation of the hybrid managed instances (ResourceType ManagedInstance) matching
    every one of FILTERS (a dict: a key of FILTER_FIELDS, ``tag:<key>`` or ``tag-key``, to at most 100
    values), 50 a call (plus pages). SSM refuses tag filters beside other filters in one call: with tag
    filters, only they are sent and the others are applied to the answer."""
    wanted = dict(filters or {}, ResourceType=["ManagedInstance"])
    tag_filters = {key: values for key, values in wanted.items() if is_tag_filter(key)}
    others = {key: values for key, values in wanted.items() if not is_tag_filter(key)}
    sent = tag_filters or others
    found = _describe(client, [{"Key": key, "Values": list(values)} for key, values in sent.items()])
    unique = list({item["InstanceId"]: item for item in found}.values())  # pages may overlap
    left = others if tag_filters else {}
    return [item for item in unique if all(item.get(FILTER_FIELDS[key]) in values for key, values in left.items())]


def managed_instance_arn(region, account, instance_id):
    """The ARN of a managed instance, as the Resource Groups Tagging API names it."""
    return build_arn(partition_for_region(region), "ssm", region, account, "managed-instance/%s" % instance_id)


def read_tags(tagging_client, region, account, instance_ids):
    """{instance id: its tags (a dict)} for INSTANCE_IDS, with the Resource Groups Tagging API's
    GetResources, 100 a call: SSM's own ListTagsForResource reads one instance a call. GetResources
    leaves out instances never tagged; they, and ids it does not know, get {}."""
    tags = {instance_id: {} for instance_id in instance_ids}
    for chunk in chunked(instance_ids, ARNS_PER_CALL):
        mappings = all_pages(
            tagging_client.get_resources,
            "ResourceTagMappingList",
            token_name="PaginationToken",
            ResourceARNList=[managed_instance_arn(region, account, instance_id) for instance_id in chunk],
            aws_retry=True,
        )
        for mapping in mappings:
            instance_id = mapping.get("ResourceARN", "").rsplit("/", 1)[-1]
            if instance_id in tags:
                tags[instance_id] = {tag["Key"]: tag.get("Value", "") for tag in mapping.get("Tags", [])}
    return tags
