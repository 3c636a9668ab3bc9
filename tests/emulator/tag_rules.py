"""SSM's documented rules for tags and DefaultInstanceName, with AWS's validation messages.

botocore's ssm model: TagKey 1..128 and TagValue 0..256 characters, DefaultInstanceName 0..256, all
matching ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$. AddTagsToResource's documentation: most resources (managed
nodes among them) take at most 50 tags. Keys beginning with `aws:`, in any case, are AWS's own.
"""

from __future__ import annotations

# Python's re has no \p{...} classes; regex is pinned in constraints.txt (moto[server] needs it).
import regex

from tests.emulator.aws_errors import AwsError

PATTERN_TEXT = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"
PATTERN = regex.compile(PATTERN_TEXT)
MAX_TAGS_PER_RESOURCE = 50
KEY_LENGTH = (1, 128)
VALUE_LENGTH = (0, 256)
DEFAULT_INSTANCE_NAME_LENGTH = (0, 256)
RESERVED_PREFIX = "aws:"


def _problems(value, member: str, length: tuple[int, int]) -> list[str]:
    if not isinstance(value, str):
        return [f"Value '{value}' at '{member}' failed to satisfy constraint: Member must be a string"]
    low, high = length
    problems = []
    if len(value) < low:
        problems.append(f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        problems.append(f"Member must have length less than or equal to {high}")
    if not PATTERN.match(value):
        problems.append(f"Member must satisfy regular expression pattern: {PATTERN_TEXT}")
    return [f"Value '{value}' at '{member}' failed to satisfy constraint: {problem}" for problem in problems]


def _raise_if_any(problems: list[str]) -> None:
    if problems:
        count = len(problems)
        raise AwsError(
            "ValidationException",
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems),
        )


def check_tags(tags, member: str = "tags") -> None:
    """Every key and value of a Tags list; ValidationException naming each bad member."""
    problems = []
    for index, tag in enumerate(tags or [], start=1):
        key = tag.get("Key")
        problems += _problems(key, f"{member}.{index}.member.key", KEY_LENGTH)
        problems += _problems(tag.get("Value", ""), f"{member}.{index}.member.value", VALUE_LENGTH)
        if isinstance(key, str) and key.lower().startswith(RESERVED_PREFIX):
            problems.append(
                f"Value '{key}' at '{member}.{index}.member.key' failed to satisfy constraint: "
                "Tag keys beginning with aws: are reserved for AWS use"
            )
    _raise_if_any(problems)


def check_tag_keys(keys, member: str = "tagKeys") -> None:
    problems = []
    for index, key in enumerate(keys or [], start=1):
        problems += _problems(key, f"{member}.{index}.member", KEY_LENGTH)
    _raise_if_any(problems)


def check_default_instance_name(name) -> None:
    _raise_if_any(_problems(name, "defaultInstanceName", DEFAULT_INSTANCE_NAME_LENGTH))


def check_tag_count(count: int, resource: str, code: str = "TooManyTagsError") -> None:
    if count > MAX_TAGS_PER_RESOURCE:
        raise AwsError(
            code,
            f"{resource} would have {count} tags; a resource can have at most {MAX_TAGS_PER_RESOURCE}.",
        )
