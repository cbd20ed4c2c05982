"""Range requests on one stored file (RFC 9110 §14), and the validators that go with them (§13.1.2, §13.1.5).

    Range       = "bytes=" range-spec *( OWS "," OWS range-spec )
    range-spec  = first-pos "-" [ last-pos ]  /  "-" suffix-length

A Range this module cannot read (another unit, bad syntax, more than `MAX_RANGES` specs) is ignored, as §14.2
allows: the whole file is the answer. Of several ranges only the first satisfiable one is served (one part, no
multipart/byteranges), which §14.2 also allows: the client reads which one from Content-Range."""

import re
from dataclasses import dataclass

MAX_RANGES = 16
_SPEC = re.compile(r"(\d+)-(\d*)|-(\d+)")
_DIGITS = 19
"""Digits of the largest position read as a number: one with more lies past the end of any file (and a number of
thousands of digits is not converted at all), but it is a position all the same: `bytes=<20 nines>-` is a 416."""
_BEYOND = 10**_DIGITS


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive, as Content-Range writes it

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(ValueError):
    """No range asked for overlaps the file (416)."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The part of a `size`-byte file that `header` asks for; None for the whole file."""
    if header is None:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    parsed = [_SPEC.fullmatch(spec.strip(" \t")) for spec in specs.split(",")]
    if len(parsed) > MAX_RANGES or any(m is None for m in parsed):
        return None
    ranges: list[ByteRange | None] = []
    for match in parsed:
        assert match is not None
        first, last, suffix = match.groups()
        if suffix is not None:
            length = _position(suffix)
            ranges.append(ByteRange(max(size - length, 0), size - 1) if length and size else None)
            continue
        if last and _order(last) < _order(first):
            return None  # an invalid spec makes the whole field invalid (§14.1.1): ignored
        start = _position(first)
        end = _position(last) if last else size - 1
        ranges.append(ByteRange(start, min(end, size - 1)) if start < size else None)
    satisfiable = [r for r in ranges if r is not None]
    if not satisfiable:
        raise Unsatisfiable(header)
    return satisfiable[0]


def _order(digits: str) -> tuple[int, str]:
    """A position's place among positions, read from its digits (however many)."""
    significant = digits.lstrip("0") or "0"
    return len(significant), significant


def _position(digits: str) -> int:
    """A position as a number, or `_BEYOND` (past the end of any file) when it has more than `_DIGITS` digits."""
    places, significant = _order(digits)
    return int(significant) if places <= _DIGITS else _BEYOND


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match names `etag` (a quoted strong tag) or "*": the client's copy is current. Weak comparison, as
    §13.1.2 asks: W/"x" matches "x"."""
    if header is None:
        return False
    tags = {tag.strip(" \t").removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag in tags


def range_applies(if_range: str | None, etag: str) -> bool:
    """If-Range, when sent, must name the current file by its strong ETag for a Range to apply (§13.1.5); a date
    or another tag means "send it all"."""
    return if_range is None or if_range.strip(" \t") == etag
