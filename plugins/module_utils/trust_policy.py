# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM policy documents: the SSM trust of hybrid-activated hosts, and comparison by meaning.

Public API (pure functions, no AWS call):

- ``ssm_trust_policy(account, partition, source_regions=("*",), source_conditions=True)``:
  the trust that lets SSM hand the role to hybrid-activated hosts, with the
  confused-deputy conditions AWS recommends.
- ``load_policy(document)``: a dict from a dict or JSON text; ``ValueError`` if it
  is not JSON, not an object, or has no ``Statement``.
- ``normalize_policy(document)``: a canonical form where equal meaning gives equal value.
- ``policies_equal(a, b)``: compare two policies by meaning.
"""

import json

from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.arn import build_arn

SSM_SERVICE_PRINCIPAL = "ssm.amazonaws.com"
POLICY_VERSION = "2012-10-17"

# Elements whose values are sets: order and "x" versus ["x"] do not matter.
_SET_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


def ssm_trust_policy(account, partition, source_regions=("*",), source_conditions=True):
    """Return the trust policy (a dict) for a role assumed by SSM-activated hosts.

    With ``source_conditions``, SSM may only use the role for activations of
    ``account`` in ``source_regions`` (``*`` for any region of the partition).
    """
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": SSM_SERVICE_PRINCIPAL},
        "Action": "sts:AssumeRole",
    }
    if source_conditions:
        source_arns = [build_arn(partition, "ssm", region, account, "*") for region in sorted(set(source_regions))]
        statement["Condition"] = {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": source_arns[0] if len(source_arns) == 1 else source_arns},
        }
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def load_policy(document):
    """Return ``document`` (dict or JSON text) as a dict, or raise ``ValueError`` saying what is wrong."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as e:
            raise ValueError("is not valid JSON ({0})".format(e)) from None
    if not isinstance(document, dict):
        raise ValueError("must be a JSON object, got {0}".format(type(document).__name__))
    if "Statement" not in document:
        raise ValueError("has no Statement")
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements or not all(isinstance(s, dict) for s in statements):
        raise ValueError("Statement must be an object or a non-empty list of objects")
    return document


def _as_sorted_strings(value):
    values = value if isinstance(value, list) else [value]
    return sorted({json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for v in values})


def _normalize_principal(principal):
    if principal == "*":
        return {"AWS": ["*"]}
    if isinstance(principal, dict):
        return {key: _as_sorted_strings(value) for key, value in principal.items()}
    return principal


def _normalize_condition(condition):
    return {
        operator: {key: _as_sorted_strings(value) for key, value in (entries or {}).items()}
        for operator, entries in (condition or {}).items()
    }


def _normalize_statement(statement):
    result = {}
    for key, value in statement.items():
        if key in _SET_ELEMENTS:
            result[key] = _as_sorted_strings(value)
        elif key in ("Principal", "NotPrincipal"):
            result[key] = _normalize_principal(value)
        elif key == "Condition":
            condition = _normalize_condition(value)
            if condition:
                result[key] = condition
        elif key == "Sid" and value == "":
            # IAM treats an empty Sid like none.
            continue
        else:
            result[key] = value
    return result


def normalize_policy(document):
    """Return a canonical dict of ``document``: equal meaning gives an equal result.

    Handles: statement order, Statement as one object or a list, "x" versus
    ["x"] and value order in Action/Resource/Principal/Condition, a missing
    Version (IAM's default ``2008-10-17``), an empty Sid, duplicate statements.
    """
    document = load_policy(document)
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    unique = {json.dumps(_normalize_statement(s), sort_keys=True) for s in statements}
    result = {key: value for key, value in document.items() if key not in ("Statement", "Version")}
    result["Version"] = document.get("Version", "2008-10-17")
    result["Statement"] = [json.loads(s) for s in sorted(unique)]
    return result


def policies_equal(first, second):
    """Return True if the two policies (dicts or JSON text) mean the same."""
    return normalize_policy(first) == normalize_policy(second)


def trusts_service(document, service_principal=SSM_SERVICE_PRINCIPAL):
    """Return True if an Allow statement of ``document`` names ``service_principal``."""
    for statement in normalize_policy(document)["Statement"]:
        principal = statement.get("Principal")
        if statement.get("Effect") == "Allow" and isinstance(principal, dict):
            if service_principal in principal.get("Service", []):
                return True
    return False
