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
# AWS documents no limit on a ListContainerInstances filter's length; the one limit it documents
# for a cluster query language expression (placement constraints) is 2,000 characters. 100 ids
# make about 2,200, so ids are sent in as many as keep each expression within that.
FILTER_MAX_LENGTH = 2000


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


def filter_chunks(instance_ids, longest=FILTER_MAX_LENGTH, most=PER_CALL):
    """INSTANCE_IDS (duplicates dropped) in consecutive chunks whose filter expression is at most
    LONGEST characters, each of at most MOST ids."""
    chunks = []
    for instance_id in dict.fromkeys(instance_ids):
        if chunks and len(chunks[-1]) < most and len(instance_id_filter(chunks[-1] + [instance_id])) <= longest:
            chunks[-1].append(instance_id)
        else:
            chunks.append([instance_id])
    return chunks


def list_arns_for_instance_ids(client, cluster, instance_ids):
    """ARNs of the container instances (any status but INACTIVE) of these mi- ids: as many ids per
    call as keep the filter within FILTER_MAX_LENGTH (90 of the usual length)."""
    arns = []
    for chunk in filter_chunks(instance_ids):
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


def list_cluster_arns(client):
    """ARNs of every cluster of the region, 100 a call."""
    return all_pages(client.list_clusters, "clusterArns", token_name="nextToken", maxResults=PER_CALL, aws_retry=True)


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


def currency(container_instance):
    """Sort key (with reverse=True) putting the container instance an agent most likely is first:
    connected before disconnected, then newer before older. One mi- id may have several live ones:
    an agent that lost its data registers anew and its old one stays ACTIVE, disconnected."""
    return bool(container_instance.get("agent_connected")), str(container_instance.get("registered_at") or "")


def _arn_id(arn):
    # The id ends both the old and the new ARN format, so either form of an ARN matches.
    return str(arn).rsplit("/", 1)[-1]


def live_by_reference(found, references):
    """Each reference (mi- id or container instance ARN) mapped to its container instance
    among ``found`` that is not INACTIVE, or to None when it has none."""
    by_instance_id = {}
    by_arn_id = {}
    for item in sorted(found, key=currency, reverse=True):
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
