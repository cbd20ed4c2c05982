"""Models our own code assembles from values already of their fields' types (validated where they came in, or
made here), built without validating them again: on the hot paths, validation cost more than the rest of the
work. What comes from outside is always validated; this is only for what the code itself puts together.

Pydantic's `model_construct` would do, but it costs more than validating: it inspects each `default_factory`'s
signature on every call. It pays for a model of many fields (the dispute: about a quarter less than validating
it); a model of a few flat fields (a timeline entry, an outbox message) is built faster by validating it, so
those are validated."""

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

_set = object.__setattr__  # past the model's own __setattr__ (frozen models refuse it)


def trusted[M: BaseModel](cls: type[M], **values: Any) -> M:
    """A `cls` holding `values`, each of its field's type (`cls` has no validators), its other fields at their
    defaults: equal to what validating the same values builds. A missing or unknown field is a bug here."""
    shape = _shape(cls)
    if not values.keys() <= shape.names or not shape.required <= values.keys():
        raise TypeError(f"{cls.__name__}: unknown {sorted(values.keys() - shape.names)}, "
                        f"missing {sorted(shape.required - values.keys())}")
    state = shape.defaults | values  # in the fields' order, which is the order they are serialised in
    for name, make in shape.made:
        if name not in values:
            state[name] = make()
    model = cls.__new__(cls)
    _set(model, "__dict__", state)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", {name: make() for name, make in shape.private} if shape.private else None)
    return model


@dataclass(frozen=True, slots=True)
class _Shape:
    names: frozenset[str]
    required: frozenset[str]
    defaults: dict[str, Any]
    """Every field, at its default where that is a value it may share (None for the others, all replaced)."""
    made: tuple[tuple[str, Callable[[], Any]], ...]
    """Fields whose default is made afresh for each model (a factory's, or a copy of a mutable default)."""
    private: tuple[tuple[str, Callable[[], Any]], ...]


@cache
def _shape(cls: type[BaseModel]) -> _Shape:
    defaults: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []
    for name, field in cls.model_fields.items():
        default, factory = field.default, field.default_factory
        if field.default_factory_takes_validated_data:
            raise TypeError(f"{cls.__name__}.{name}: a default made from the other fields is not supported")
        defaults[name] = None if default is PydanticUndefined or isinstance(default, list | dict | set) else default
        if factory is not None or isinstance(default, list | dict | set):  # pydantic copies a mutable default
            made.append((name, _fresh(factory, default)))
    required = frozenset(name for name, field in cls.model_fields.items() if field.is_required())
    private = tuple((name, _fresh(attr.default_factory, attr.default)) for name, attr in cls.__private_attributes__.items()
                    if attr.default_factory is not None or attr.default is not PydanticUndefined)
    return _Shape(frozenset(defaults), required, defaults, tuple(made), private)


def _fresh(factory: Callable[..., Any] | None, default: Any) -> Callable[[], Any]:
    return factory if factory is not None else lambda: deepcopy(default)
