# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Batched lookups of ECS external container instances and the shape the modules return them in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.batching import all_pages, chunked
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.duration import isoformat
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.instance_ids import is_managed_instance_id

# ListContainerInstances and DescribeContainerInstances both take at most 100.
PER_CALL = 100
# UpdateContainerInstancesState takes at most 10.
STATE_UPDATES_PER_CALL = 10


def format_container_instance(container_instance):
    """One ContainerInstance as the modules return it."""
    return {
        "arn": container_instance.get("containerInstanceArn"),
        "ec2_instance_id": container_instance.get("ec2InstanceId"),
        "status": container_instance.get("status"),
        "agent_connected": container_instance.get("agentConnected"),
        "running_tasks_count": container_instance.get("runningTasksCount"),
        "pending_tasks_count": container_instance.get("pendingTasksCount"),
        "agent_version": (container_instance.get("versionInfo") or {}).get("agentVersion"),
        "registered_at": isoformat(container_instance.get("registeredAt")),
    }


def instance_id_filter(instance_ids):
    """The cluster query language expression selecting these mi- ids."""
    return "ec2InstanceId in [%s]" % ", ".join(instance_ids)


def list_arns_for_instance_ids(client, cluster, instance_ids):
    """ARNs of the container instances (any status but INACTIVE) of these mi- ids, 100 ids per call."""
    arns = []
    for chunk in chunked(instance_ids, PER_CALL):
        arns.extend(
            all_pages(
                client.list_container_instances,
                "containerInstanceArns",
                token_name="nextToken",
                cluster=cluster,
                filter=instance_id_filter(chunk),
                maxResults=PER_CALL,
                aws_retry=True,
            )
        )
    return arns


def list_all_arns(client, cluster):
    """ARNs of every container instance of the cluster (any status but INACTIVE)."""
    return all_pages(
        client.list_container_instances,
        "containerInstanceArns",
        token_name="nextToken",
        cluster=cluster,
        maxResults=PER_CALL,
        aws_retry=True,
    )


def describe(client, cluster, arns):
    """ContainerInstances for ``arns``, 100 per call; ECS leaves out those it does not know."""
    found = []
    for chunk in chunked(arns, PER_CALL):
        response = client.describe_container_instances(cluster=cluster, containerInstances=chunk, aws_retry=True)
        found.extend(response.get("containerInstances", []))
    return found


def lookup(client, cluster, instance_ids=None, arns=None, status=None):
    """Container instances of ``cluster`` by mi- id and/or ARN (all of them when neither
    is given), and the asked-for ones not found.

    Ids and ARNs are looked up regardless of ``status`` so that ``missing``
    means "not in this cluster"; ``status`` is applied to what was found.
    """
    instance_ids = list(dict.fromkeys(instance_ids or []))
    arns = list(dict.fromkeys(arns or []))
    if instance_ids or arns:
        wanted_arns = arns + list_arns_for_instance_ids(client, cluster, instance_ids)
    else:
        wanted_arns = list_all_arns(client, cluster)
    by_arn = {item["containerInstanceArn"]: item for item in describe(client, cluster, wanted_arns)}
    known_ids = {item.get("ec2InstanceId") for item in by_arn.values()}
    missing = [i for i in instance_ids if i not in known_ids]
    missing.extend(arn for arn in arns if arn not in by_arn)
    selected = [item for item in by_arn.values() if not status or item.get("status") in status]
    return [format_container_instance(item) for item in selected], list(dict.fromkeys(missing))


def _arn_id(arn):
    # The id ends both the old and the new ARN format, so either form of an ARN matches.
    return str(arn).rsplit("/", 1)[-1]


def live_by_reference(found, references):
    """Each reference (mi- id or container instance ARN) mapped to its container instance
    among ``found`` that is not INACTIVE, or to None when it has none."""
    by_instance_id = {}
    by_arn_id = {}
    for item in found:
        if item.get("status") == "INACTIVE":
            continue
        by_instance_id.setdefault(item.get("ec2_instance_id"), item)
        by_arn_id[_arn_id(item.get("arn"))] = item
    return {
        reference: by_instance_id.get(reference)
        if is_managed_instance_id(reference)
        else by_arn_id.get(_arn_id(reference))
        for reference in references
    }
