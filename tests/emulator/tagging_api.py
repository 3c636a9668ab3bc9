"""Resource Groups Tagging API GetResources for SSM managed instances, which moto does not list.

AWS's documentation: GetResources covers every resource type; a managed instance's ARN is
arn:<partition>:ssm:<region>:<account>:managed-instance/mi-...; resources never tagged are not
returned. A call that cannot concern managed instances (a ResourceARNList without one, or
ResourceTypeFilters without `ssm` / `ssm:managed-instance`) goes to moto untouched; any other is
answered here, moto's own matching resources listed after the managed instances.
"""

from __future__ import annotations

import importlib

from moto.core.resource_tagging import make_tag_matcher, match_resource_type

from tests.emulator import ACCOUNT_ID
from tests.emulator.aws_errors import AwsError
from tests.emulator.pages import page
from tests.emulator.regions import partition_of

RESOURCE_TYPE = "ssm:managed-instance"
MAX_ARNS = 100
MAX_TAG_FILTERS = 50
MAX_TAG_FILTER_VALUES = 20
RESOURCES_PER_PAGE = (1, 100)
DEFAULT_RESOURCES_PER_PAGE = 50


def managed_instance_arn(region: str, instance_id: str) -> str:
    return f"arn:{partition_of(region)}:ssm:{region}:{ACCOUNT_ID}:managed-instance/{instance_id}"


def _is_managed_instance_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "ssm" and parts[5].startswith("managed-instance/")


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


def _check(params: dict, region: str) -> None:
    arns = params.get("ResourceARNList") or []
    tag_filters = params.get("TagFilters") or []
    if arns and tag_filters:
        raise _invalid("You can't specify both ResourceARNList and TagFilters in the same request.")
    if len(arns) > MAX_ARNS:
        raise _invalid(f"ResourceARNList can have at most {MAX_ARNS} ARNs; {len(arns)} were given.")
    partition = partition_of(region)
    foreign = [arn for arn in arns if not arn.startswith(f"arn:{partition}:")]
    if foreign:
        raise _invalid(f"ARNs {foreign} are not in the partition of this call ({partition}).")
    if len(tag_filters) > MAX_TAG_FILTERS:
        raise _invalid(f"TagFilters can have at most {MAX_TAG_FILTERS} keys.")
    for tag_filter in tag_filters:
        if not tag_filter.get("Key"):
            raise _invalid("Each TagFilter needs a Key.")
        if len(tag_filter.get("Values") or []) > MAX_TAG_FILTER_VALUES:
            raise _invalid(f"A TagFilter can have at most {MAX_TAG_FILTER_VALUES} values.")
    per_page = params.get("ResourcesPerPage")
    low, high = RESOURCES_PER_PAGE
    if per_page is not None and not (isinstance(per_page, int) and low <= per_page <= high):
        raise _invalid(f"ResourcesPerPage must be between {low} and {high}.")


def _moto_resources(region: str, params: dict, other_arns: list[str]) -> list[dict]:
    if params.get("ResourceARNList") and not other_arns:
        return []  # moto reads an empty ARN list as "no ARN filter"
    models = importlib.import_module("moto.resourcegroupstaggingapi.models")
    backend = models.resourcegroupstaggingapi_backends[ACCOUNT_ID][region]
    found = backend._get_resources_generator(
        tag_filters=params.get("TagFilters") or [],
        resource_type_filters=params.get("ResourceTypeFilters") or [],
        resource_arn_list=other_arns,
    )
    return [
        {"ResourceARN": resource.arn, "Tags": [{"Key": k, "Value": v} for k, v in resource.tags.items()]}
        for resource in found
    ]


def get_resources(params: dict, region: str, managed_instances: list[dict], switches) -> dict | None:
    """The answer, or None for moto. `managed_instances`: the region's instances as reads see them."""
    arns = params.get("ResourceARNList") or []
    type_filters = params.get("ResourceTypeFilters") or []
    if arns and not any(_is_managed_instance_arn(arn) for arn in arns):
        return None
    if type_filters and not match_resource_type(RESOURCE_TYPE, type_filters):
        return None
    _check(params, region)

    tag_matcher = make_tag_matcher(params.get("TagFilters") or [])
    wanted = set(arns)
    mappings = []
    for instance in managed_instances:
        arn = managed_instance_arn(region, instance["InstanceId"])
        if not instance["_ever_tagged"] or (arns and arn not in wanted) or not tag_matcher(instance["Tags"]):
            continue
        tags = [{"Key": key, "Value": value} for key, value in sorted(instance["Tags"].items())]
        mappings.append({"ResourceARN": arn, "Tags": tags})
    mappings += _moto_resources(region, params, [arn for arn in arns if not _is_managed_instance_arn(arn)])

    if arns:
        # A list of at most 100 ARNs comes back in one answer: no pages.
        return {"ResourceTagMappingList": mappings, "PaginationToken": ""}
    per_page = params.get("ResourcesPerPage") or DEFAULT_RESOURCES_PER_PAGE
    items, token = page(mappings, per_page, params.get("PaginationToken"), switches)
    # AWS ends with an empty token rather than none.
    return {"ResourceTagMappingList": items, "PaginationToken": token or ""}
