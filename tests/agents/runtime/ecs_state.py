"""The ECS agent's checkpoint under /var/lib/ecs/data (the JSON data file of agents before the bolt store)."""

import json
import os

from .host_paths import ECS_DATA_DIR, ECS_STATE_FILE, host_path

STATE_VERSION = 28


def load() -> dict:
    try:
        with open(host_path(ECS_STATE_FILE), encoding="utf-8") as handle:
            data = json.load(handle).get("Data", {})
    except (OSError, ValueError):
        data = {}
    return {
        "Cluster": data.get("Cluster", ""),
        "ContainerInstanceArn": data.get("ContainerInstanceArn", ""),
        "EC2InstanceID": data.get("EC2InstanceID", ""),
    }


def save(cluster: str, container_instance_arn: str, instance_id: str) -> None:
    directory = host_path(ECS_DATA_DIR)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    document = {
        "Data": {
            "Cluster": cluster,
            "ContainerInstanceArn": container_instance_arn,
            "EC2InstanceID": instance_id,
            "TaskEngine": {"Tasks": [], "IdToContainer": {}, "IdToTask": {}, "ImageStates": []},
        },
        "Version": STATE_VERSION,
    }
    path = host_path(ECS_STATE_FILE)
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    os.replace(temporary, path)
