"""The SSM agent's registration store, in the real agent's files and permissions.

The real agent keeps its identity in a file vault: Vault/Manifest maps the key
"RegistrationKey" to Vault/Store/RegistrationKey, a JSON document with instanceID,
region, the private key and its type. Directories are root-only (0700) and files
0600. '-clear' does not delete the file: it stores an empty identity, so readers
must look at instanceID, not at whether the file exists. The older
'registration' file is written on registration and never cleared.
"""

import json
import os

from .host_paths import (
    SSM_LEGACY_REGISTRATION,
    SSM_REGISTRATION_KEY,
    SSM_VAULT_DIR,
    SSM_VAULT_MANIFEST,
    host_path,
)

DIR_MODE = 0o700
FILE_MODE = 0o600


def _write_hardened(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, data)
    finally:
        os.close(fd)


def _harden_vault() -> None:
    vault = host_path(SSM_VAULT_DIR)
    os.makedirs(os.path.join(vault, "Store"), mode=DIR_MODE, exist_ok=True)
    for directory, _subdirs, files in os.walk(vault):
        os.chmod(directory, DIR_MODE)
        for name in files:
            os.chmod(os.path.join(directory, name), FILE_MODE)


def load() -> dict:
    """The stored identity; empty fields when the host was never registered or was cleared."""
    try:
        with open(host_path(SSM_REGISTRATION_KEY), encoding="utf-8") as handle:
            info = json.load(handle)
    except (OSError, ValueError):
        info = {}
    return {
        "instanceID": info.get("instanceID", ""),
        "region": info.get("region", ""),
        "privateKey": info.get("privateKey", ""),
        "privateKeyType": info.get("privateKeyType", ""),
    }


def store(instance_id: str, region: str, private_key: str, private_key_type: str) -> None:
    _harden_vault()
    info = {
        "instanceID": instance_id,
        "region": region,
        "instanceType": "",
        "availabilityZone": "",
        "privateKey": private_key,
        "privateKeyType": private_key_type,
    }
    _write_hardened(host_path(SSM_REGISTRATION_KEY), json.dumps(info).encode())
    manifest = {"RegistrationKey": SSM_REGISTRATION_KEY}
    _write_hardened(host_path(SSM_VAULT_MANIFEST), json.dumps(manifest).encode())


def clear() -> None:
    store("", "", "", "")


def write_legacy_registration(instance_id: str, region: str) -> None:
    path = host_path(SSM_LEGACY_REGISTRATION)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _write_hardened(path, json.dumps({"ManagedInstanceID": instance_id, "Region": region}).encode())
