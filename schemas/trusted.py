"""Models built from values the service made itself, without validating them again.

Validation belongs where data comes in: request bodies, stored documents, carriers' and the order service's
replies. A model the service then builds from those already-validated values is of its fields' types by
construction. `trusted(Model)` is `Model`'s constructor, its keyword arguments checked by mypy against the
model's fields, that keeps the values as given: defaults filled in as pydantic fills them, in the fields' order
(the order they are serialised in). Give it only values typed as the fields are: nothing checks them at run time.

pydantic-core validates a small model about as fast as this builds one in Python, so this pays only for large
models, such as a new dispute (some fifty fields and a private attribute: about a third of its validation's
cost). `model_construct` costs more than validating: it inspects each default factory's signature per call."""

from collections.abc import Callable
from copy import deepcopy
from functools import cache, partial
from typing import Any, cast

from pydantic import BaseModel
from pydantic.fields import ModelPrivateAttr


def trusted[**P, M: BaseModel](model: Callable[P, M]) -> Callable[P, M]:
    return cast("Callable[P, M]", _builder(model))  # a string: subscripting Callable costs microseconds per call


@cache
def _builder(model: type[BaseModel]) -> Callable[..., BaseModel]:
    names = frozenset(model.model_fields)
    required = frozenset(name for name, field in model.model_fields.items() if field.is_required())
    template = {name: field.default for name, field in model.model_fields.items()}  # the fields' order
    factories = tuple(
        (name, factory) for name in model.model_fields if (factory := _factory(model, name)) is not None
    )
    private = tuple((name, _private_factory(attr)) for name, attr in model.__private_attributes__.items())
    new = model.__new__
    set_attribute = object.__setattr__

    def build(**values: Any) -> BaseModel:
        if not (required <= values.keys() <= names):
            raise TypeError(f"{model.__name__}: missing {sorted(required - values.keys())}, "
                            f"unknown {sorted(values.keys() - names)}")
        state = {**template, **values}
        for name, factory in factories:
            if name not in values:
                state[name] = factory()
        instance = new(model)
        set_attribute(instance, "__dict__", state)
        set_attribute(instance, "__pydantic_fields_set__", set(values))
        set_attribute(instance, "__pydantic_extra__", None)
        set_attribute(instance, "__pydantic_private__", {name: make() for name, make in private} if private else None)
        return instance

    return build


def _factory(model: type[BaseModel], name: str) -> Callable[[], Any] | None:
    """How a field's default is made anew for each instance (None: its default is immutable, shared)."""
    field = model.model_fields[name]
    if field.default_factory is not None:
        if field.default_factory_takes_validated_data:
            raise TypeError(f"{model.__name__}.{name}: a default factory reading other fields is not supported")
        return cast(Callable[[], Any], field.default_factory)
    if field.is_required():
        return None
    try:
        hash(field.default)
    except TypeError:  # mutable: pydantic gives each instance its own copy
        return partial(deepcopy, field.default)
    return None


def _private_factory(attr: ModelPrivateAttr) -> Callable[[], Any]:
    if attr.default_factory is not None:
        if attr.default_factory_takes_validated_data:
            raise TypeError("a private attribute's default factory reading fields is not supported")
        return cast(Callable[[], Any], attr.default_factory)
    return partial(deepcopy, attr.default)
