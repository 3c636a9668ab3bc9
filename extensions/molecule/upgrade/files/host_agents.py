"""What a test host has: its agent packages' versions, its identity, the packages it downloaded (JSON)."""

import json
import os
import subprocess
import urllib.request

CACHE = "/var/cache/ecs-anywhere"
found = {"packages": {}, "instance_id": "", "arn": "", "cache": {}}
query = subprocess.run(
    [
        "dpkg-query",
        "--show",
        "--showformat=${Package} ${db:Status-Status} ${Version}\n",
        "amazon-ssm-agent",
        "amazon-ecs-init",
    ],
    capture_output=True,
    text=True,
    check=False,
)
for line in query.stdout.splitlines():
    name, status, version = [*line.split(" ", 2), "", ""][:3]
    if status == "installed":
        found["packages"][name] = version
try:
    with open("/var/lib/amazon/ssm/Vault/Store/RegistrationKey") as key_file:
        found["instance_id"] = json.load(key_file).get("instanceID", "")
except (OSError, ValueError):
    pass
try:
    with urllib.request.urlopen("http://localhost:51678/v1/metadata", timeout=3) as answer:
        found["arn"] = json.load(answer).get("ContainerInstanceArn", "")
except (OSError, ValueError):
    pass
if os.path.isdir(CACHE):
    found["cache"] = {name: os.stat(os.path.join(CACHE, name)).st_mtime for name in sorted(os.listdir(CACHE))}
print(json.dumps(found))
