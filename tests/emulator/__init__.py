"""AWS emulator for the offline test world: moto's server plus what moto lacks for ECS Anywhere.

Test code only; see README.md in this directory for the contract.
"""

import os

# moto reads this when its IAM backend loads, so it must be set before any moto import;
# every emulator module is imported after this package's __init__.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

ACCOUNT_ID = "123456789012"
# A fixed account spares moto its per-request account lookup by access key, which builds
# the IAM backend (with every managed policy) of all six partitions after each reset.
os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT_ID
DEFAULT_REGION = "us-east-1"
