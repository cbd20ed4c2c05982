"""Models our code assembles are built without validating them again: equal to the validated model, each with
defaults of its own, and a field that is missing or unknown is an error, not a silently different model."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, Field, PrivateAttr

from schemas.trusted import trusted

AT = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


class Line(BaseModel):
    sku: str
    quantity: int = 1


class Case(BaseModel):
    id: str
    opened_at: datetime
    note: str | None = None
    lines: list[Line] = Field(default_factory=list)
    tags: list[str] = []
    details: dict[str, int] = Field(default_factory=dict)
    _unsaved: list[str] = PrivateAttr(default_factory=list)


def test_a_trusted_model_equals_the_validated_one_and_serialises_alike() -> None:
    values: dict[str, Any] = {"id": "c1", "opened_at": AT, "lines": [Line(sku="a", quantity=2)]}

    built, validated = trusted(Case, **values), Case(**values)

    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_fields_set == validated.model_fields_set == set(values)
    assert built._unsaved == []


def test_each_trusted_model_gets_defaults_of_its_own() -> None:
    first, second = trusted(Case, id="c1", opened_at=AT), trusted(Case, id="c2", opened_at=AT)

    first.lines.append(Line(sku="a"))
    first.tags.append("x")
    first.details["n"] = 1
    first._unsaved.append("m")

    assert (second.lines, second.tags, second.details, second._unsaved) == ([], [], {}, [])
    assert Case.model_fields["tags"].default == []


def test_a_missing_or_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="missing \\['opened_at'\\]"):
        trusted(Case, id="c1")
    with pytest.raises(TypeError, match="unknown \\['colour'\\]"):
        trusted(Case, id="c1", opened_at=AT, colour="red")
