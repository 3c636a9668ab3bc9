# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What SSM accepts as tags and names of managed instances and hybrid activations.

SSM checks these on the write (AddTagsToResource, CreateActivation) and fails it; checked here
first, a whole batch is refused before any host is written. The character rule is the
service model's pattern ``^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$`` (letters, separators such as the
space, digits and ``_.:/=+-@``), checked by Unicode category since Python's re has no ``\\p``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unicodedata

MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
MAX_NAME_LENGTH = 256
_PUNCTUATION = frozenset("_.:/=+-@")
RULE = "letters, digits, spaces and _ . : / = + - @"


def _allowed(character):
    category = unicodedata.category(character)
    return character in _PUNCTUATION or category[0] in ("L", "N") or category in ("Zs", "Zl", "Zp")


def bad_characters(text):
    """The characters of TEXT that SSM refuses, in order, each once."""
    found = []
    for character in str(text):
        if not _allowed(character) and character not in found:
            found.append(character)
    return found


def _shown(characters):
    return " ".join(repr(character) for character in characters)


def _clipped(text, longest=40):
    text = str(text)
    return text if len(text) <= longest else text[: longest - 3] + "..."


def text_problem(text, longest, what):
    """What is wrong with a tag key or value, a name (None when SSM accepts it)."""
    if len(str(text)) > longest:
        return "%s is %d characters long; SSM takes at most %d" % (what, len(str(text)), longest)
    characters = bad_characters(text)
    if characters:
        return "%s holds %s, which SSM refuses (only %s)" % (what, _shown(characters), RULE)
    return None


def name_problem(name, what):
    """What is wrong with a managed instance's name or an activation's default instance name."""
    return text_problem(name, MAX_NAME_LENGTH, "%s '%s'" % (what, name))


def tag_problems(tags, what, keep=()):
    """Every problem of TAGS (a dict) for SSM; KEEP: keys the caller adds itself, counted too."""
    problems = []
    keys = set(str(key) for key in tags) | set(keep)
    if len(keys) > MAX_TAGS:
        added = sorted(set(keep) - set(str(key) for key in tags))
        problems.append(
            "%s: %d tags%s; SSM takes at most %d per resource"
            % (what, len(keys), " with %s, which the collection sets" % ", ".join(added) if added else "", MAX_TAGS)
        )
    for raw_key, value in tags.items():
        key = str(raw_key)
        if not key:
            problems.append("%s: a tag key is empty" % what)
            continue
        if key.lower().startswith("aws:"):
            problems.append("%s: tag key '%s' starts with 'aws:', which AWS reserves" % (what, key))
        for problem in (
            text_problem(key, MAX_KEY_LENGTH, "%s: tag key '%s'" % (what, key)),
            text_problem(
                "" if value is None else value,
                MAX_VALUE_LENGTH,
                "%s: the value of tag '%s' ('%s')" % (what, key, _clipped("" if value is None else value)),
            ),
        ):
            if problem:
                problems.append(problem)
    return problems
