"""If-Match, read strictly as RFC 9110 defines it (§8.8.3 entity-tags, §13.1.1 If-Match, §5.6.1 lists).

    If-Match    = "*" / #entity-tag
    entity-tag  = [ "W/" ] DQUOTE *etagc DQUOTE      ; "W/" is case-sensitive
    etagc       = %x21 / %x23-7E / obs-text          ; obs-text = %x80-FF

aiohttp's own `Request.if_match` stops quietly at the first malformed element and reads only the first
field line, so `"3", garbage` would pass as `"3"`; a precondition has to be all or nothing."""

import re
from collections.abc import Sequence
from typing import Literal

# One list element (possibly empty, as §5.6.1 asks recipients to accept) and its comma. Header values
# reach us decoded from bytes, so any character past U+007F stands for obs-text.
_ELEMENT = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e\x80-\U0010ffff]*)")?[ \t]*(?:,|\Z)')
# Our ETags are dispute versions written in ASCII decimal without leading zeros: "1", "2", ... (no dispute
# reaches 10**18 versions; the bound also keeps int() cheap on a long tag), suffixed on the customer's side
# by its view, and by "later" once the time passed its turn (`dispute_tag`).
_VERSION = re.compile(r"([1-9][0-9]{0,17})(?:-(?:customer|agent)(?:-later)?)?")


def dispute_tag(version: int, view: Literal["staff", "customer", "agent"], later: bool = False) -> str:
    """A dispute's strong ETag: its version, and on the customer's side ("customer", "agent") the view's name,
    "7-customer", followed by "-later" once the time passed the moment its next step reads otherwise from
    (`DisputeViews.customer_side`), "7-customer-later": each view of a version, and each side of that moment, is a
    representation of its own (RFC 9110 §8.8.1), so a copy of one is never validated (304) by another's tag. In
    If-Match any of them names the version."""
    return f'"{version}"' if view == "staff" else f'"{version}-{view}{"-later" if later else ""}"'


class MalformedIfMatch(ValueError):
    """The field value is neither "*" nor a list of entity-tags."""


def strong_tags(lines: Sequence[str]) -> frozenset[str] | None:
    """The opaque-tags an If-Match header can match, from all its field lines: None for "*" (any current
    representation). If-Match compares strongly, so a weak tag never matches and is left out. A value with no
    entity-tag at all (empty, blanks, only commas) is malformed: the grammar lets a list be empty, but no client
    means an empty list as a precondition, and reading it as "no version" would answer 412 to a broken header."""
    value = ", ".join(lines)
    if value.strip(" \t") == "*":
        return None
    tags: set[str] = set()
    named = False
    position = 0
    while position < len(value):
        element = _ELEMENT.match(value, position)
        if element is None or element.end() == position:
            raise MalformedIfMatch(value)
        weak, tag = element.groups()
        named = named or tag is not None
        if tag is not None and weak is None:
            tags.add(tag)
        position = element.end()
    if not named:
        raise MalformedIfMatch(value)
    return frozenset(tags)


def matching_versions(tags: frozenset[str]) -> frozenset[int]:
    """The dispute versions these opaque-tags name: only tags exactly as our ETags spell them."""
    return frozenset(int(match[1]) for tag in tags if (match := _VERSION.fullmatch(tag)))
