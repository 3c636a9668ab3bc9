# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSM managed instance ids (``mi-…``), activation ids, ECS cluster names and container instance ARNs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MANAGED_INSTANCE_ID = re.compile(r"^mi-[0-9a-f]{17}$")
# New format: .../container-instance/<cluster>/<32 hex>; old: .../container-instance/<id>.
CONTAINER_INSTANCE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):ecs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"container-instance/(?:(?P<cluster>[A-Za-z0-9_-]{1,255})/)?(?P<id>[0-9a-f]{32}|[0-9a-f-]{36})$"
)
ACTIVATION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/(?P<name>[A-Za-z0-9_-]{1,255})$")


def is_managed_instance_id(value):
    return bool(MANAGED_INSTANCE_ID.match(str(value)))


def is_container_instance_arn(value):
    return bool(CONTAINER_INSTANCE_ARN.match(str(value)))


def container_instance_arn_cluster(arn):
    """The cluster named in a new-format container instance ARN, None for the old format."""
    match = CONTAINER_INSTANCE_ARN.match(str(arn))
    return match.group("cluster") if match else None


def cluster_name(cluster):
    """A cluster name from a cluster name or cluster ARN."""
    match = CLUSTER_ARN.match(str(cluster))
    return match.group("name") if match else str(cluster)


def managed_instance_id_problems(values, parameter):
    """Messages for each value of ``parameter`` that is not an ``mi-`` id."""
    problems = []
    for value in values:
        if is_container_instance_arn(value):
            problems.append(
                "%s: '%s' is a container instance ARN, not an mi- id; pass it as container_instance_arns"
                % (parameter, value)
            )
        elif not is_managed_instance_id(value):
            problems.append(
                "%s: '%s' is not a managed instance id (mi- followed by 17 lowercase hex digits)" % (parameter, value)
            )
    return problems


def container_instance_arn_problems(values, parameter, cluster):
    """Messages for each value that is not a container instance ARN of ``cluster``."""
    problems = []
    wanted_cluster = cluster_name(cluster)
    for value in values:
        if is_managed_instance_id(value):
            problems.append(
                "%s: '%s' is an mi- id, not a container instance ARN; pass it as instance_ids" % (parameter, value)
            )
        elif not is_container_instance_arn(value):
            problems.append(
                "%s: '%s' is not a container instance ARN "
                "(arn:<partition>:ecs:<region>:<account>:container-instance/<cluster>/<id>)" % (parameter, value)
            )
        else:
            arn_cluster = container_instance_arn_cluster(value)
            if arn_cluster is not None and arn_cluster != wanted_cluster:
                problems.append(
                    "%s: '%s' belongs to cluster '%s', not to cluster '%s'"
                    % (parameter, value, arn_cluster, wanted_cluster)
                )
    return problems


def activation_id_problems(values, parameter):
    """Messages for each value of ``parameter`` that is not an SSM activation id."""
    return [
        "%s: '%s' is not an activation id (a lowercase UUID)" % (parameter, value)
        for value in values
        if not ACTIVATION_ID.match(str(value))
    ]


def cluster_problems(cluster, parameter="cluster"):
    """A message if ``cluster`` is neither an ECS cluster name nor a cluster ARN."""
    if CLUSTER_NAME.match(str(cluster)) or CLUSTER_ARN.match(str(cluster)):
        return []
    return [
        "%s: '%s' is not an ECS cluster name (1-255 letters, digits, - and _) or cluster ARN" % (parameter, cluster)
    ]
