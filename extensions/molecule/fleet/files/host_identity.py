"""What a test host says about its registration, as JSON on stdout (never the private key)."""

import json
import urllib.request

identity = {"instance_id": "", "key_region": "", "ecs_config": {}, "metadata": {}}
try:
    with open("/var/lib/amazon/ssm/Vault/Store/RegistrationKey") as key_file:
        key = json.load(key_file)
    identity["instance_id"], identity["key_region"] = key.get("instanceID", ""), key.get("region", "")
except (OSError, ValueError):
    pass
# Both files the ECS agent reads, the second one winning.
settings = {}
for path in ("/etc/ecs/ecs.config", "/var/lib/ecs/ecs.config"):
    try:
        with open(path) as config_file:
            settings.update(
                line.strip().split("=", 1) for line in config_file if "=" in line and not line.startswith("#")
            )
    except OSError:
        pass
# Only what the checks read: the files may hold proxy credentials.
identity["ecs_config"] = {key: settings.get(key, "") for key in ("ECS_CLUSTER", "AWS_DEFAULT_REGION")}
try:
    with urllib.request.urlopen("http://localhost:51678/v1/metadata", timeout=3) as answer:
        metadata = json.load(answer)
    identity["metadata"] = {"arn": metadata.get("ContainerInstanceArn", ""), "cluster": metadata.get("Cluster", "")}
except (OSError, ValueError):
    pass
print(json.dumps(identity))
