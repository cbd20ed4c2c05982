"""An API request body's JSON text → its value, or the problem with it: malformed (400), nested deeper than read
(422), or naming a member twice in one object (422, each such member's path in `errors`).

I-JSON (RFC 7493 §2.3) requires an object's member names to be unique. A body naming one twice is refused rather
than read with the last one winning: a gateway or a log reading the first would see another request than the
service acts on (a parser differential). jiter (pydantic's own parser) finds a repeated name as it parses, at no
second pass; only a refused body is read again, by the standard library, to say where the names repeat. Carriers'
pushes are not read here: theirs are read tolerantly (`carriers/`).
"""

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import jiter

from adapters.web.problems import MAX_FIELD_ERRORS, ProblemError
from carriers.parsing import BOM, why_not_json
from schemas.api import FieldError

Path = tuple[str | int, ...]
TOO_DEEP = "recursion limit exceeded"
"""How jiter says a body nests deeper than it reads (its recursion limit, pydantic's too)."""
REPEATED = "Detected duplicate key"
"""How jiter begins to say an object names a member twice."""


def parse_json(raw: bytes) -> Any:
    """The body's value, every object in it naming each member once."""
    try:
        return jiter.from_json(raw, catch_duplicate_keys=True, allow_inf_nan=False)  # NaN, Infinity: not JSON
    except ValueError as error:
        message = str(error)
    if message.startswith(TOO_DEEP):
        raise _too_deep()
    if message.startswith(REPEATED):
        raise _repeated(raw)
    raise ProblemError("malformed-json", f"The body {why_not_json(raw)}." if raw.startswith(BOM) or not raw.isascii()
                       else "The body is not valid JSON.")


class _Members:
    """An object's members as written, every one kept (a name given twice has both values), with the names it gives
    more than once."""

    __slots__ = ("pairs", "repeated")

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs
        self.repeated = [name for name, times in Counter(name for name, _ in pairs).items() if times > 1]


def _repeated(raw: bytes) -> ProblemError:
    """The refusal of a body naming a member twice, each such member by its path (as validation errors name fields:
    `missing_items.0.sku`). Numbers are kept as text, so a long one cannot fail the reading."""
    try:
        value = json.loads(raw, object_pairs_hook=_Members, parse_int=str, parse_float=str, parse_constant=str)
        paths = list(_repeated_paths(value, ()))
    except RecursionError:  # deeper than jiter reads: it stopped at the repeated name before reaching that depth
        return _too_deep()
    except ValueError:  # not JSON after the repeated name, where jiter stopped
        return ProblemError("malformed-json", "The body is not valid JSON.")
    errors = [FieldError(field=".".join(str(step) for step in path), message="Named more than once in its object.")
              for path in paths[:MAX_FIELD_ERRORS]]
    return ProblemError("validation-failed", "Each member of a JSON object must have its own name (RFC 7493 §2.3).",
                        errors=errors)


def _repeated_paths(value: Any, path: Path) -> Iterator[Path]:
    """The path of each member named twice, in the order the body gives them (an object's own before its members')."""
    if isinstance(value, _Members):
        yield from ((*path, name) for name in value.repeated)
        for name, member in value.pairs:  # the values of a name given twice, each walked
            yield from _repeated_paths(member, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _repeated_paths(item, (*path, index))


def _too_deep() -> ProblemError:
    return ProblemError("validation-failed", "The body nests too deeply.",
                        errors=[FieldError(field="body", message="JSON nested too deeply")])
