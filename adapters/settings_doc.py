"""Writes `docs/settings.md`, every setting with its variable, type, default and description, from the settings
model: `python -m adapters.settings_doc`. A test fails while the page differs from what this writes."""

import inspect
import json
import types
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings, NoDecode

from adapters.settings import READ_BY_OTHERS, RELAY_TARGETS, Settings
from carriers.base import CarrierSettings
from carriers.partner.settings import PartnerCarrierSettings
from carriers.registry import CARRIERS

PAGE = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
TYPES: dict[object, str] = {
    bool: "true or false", int: "integer", float: "number", str: "text", Path: "path", SecretStr: "secret text",
    timedelta: "duration (seconds, or ISO 8601 such as PT5M)", date: "date (YYYY-MM-DD)",
}
RELAY = ", ".join(f"`DISPUTES_{name.upper()}`" for name in RELAY_TARGETS)
OTHERS = ", ".join(f"`{variable}` ({reader})" for variable, reader in READ_BY_OTHERS.items())
HEADER = f"""# Settings

Generated from `adapters/settings.py` by `python -m adapters.settings_doc`; edit the model, not this page.

Every setting is an environment variable. The commands also read a `.env` file in the working directory when
there is one (`DISPUTES_PORT=8081` lines; they say so on start-up); a variable set in the environment wins over the
same line in `.env`. A `${{NAME}}` in a `.env` value is replaced by that variable (by nothing when it is unset), in
single-quoted values too, which Docker Compose, reading the same file, takes literally: keep `$` out of `.env`
values, or give such a value (a generated secret) as a file. Any setting can also be a file named like its variable
in the directory `DISPUTES_SECRETS_DIR` names (`/run/secrets/disputes_jwt_secret`), which is how secrets should
arrive: the environment and `.env` win over it. Outside the embedded default both `disputes serve` and
`disputes worker` need `DISPUTES_MONGODB_URI`.
The API (`disputes serve`) also needs a `DISPUTES_JWT_SECRET` of its own (it signs page cursors), the identity
provider's `DISPUTES_JWT_JWKS_URL` and `DISPUTES_ORDERS_URL` (or `DISPUTES_ORDERS_FILE`). The workers
(`disputes worker`, and `disputes serve` unless `DISPUTES_RUN_WORKERS=false`) need
`DISPUTES_EFFECTS_SIGNING_SECRET` (what they deliver is signed with it) and the services they deliver to:
{RELAY}.
A worker needs no JWT secret, and an API run with `DISPUTES_RUN_WORKERS=false` neither the effects secret nor
those services. Each command says in one line which setting it misses. A variable starting with `DISPUTES_`
(in the environment, in `.env`, or a file's name in that directory) that names none of the settings below stops
every command at start-up, with one line naming it and the setting it most probably meant: unrefused, it would
be passed over and that setting would keep its default. Only these, which others read, are let through:
{OTHERS}. So does a variable of the environment or `.env` whose prefix is misspelt, so like a setting's name that
it can only be meant for it (`DISPUTE_APPEAL_WINDOW_DAYS`, `DISPUTESRELAY_MAX_ATTEMPTS`).
The decision policy's and the business rules' numbers take their defaults and reasons from
`disputes/policy/settings.py` and `disputes/rules.py`.

| variable | type | default | what it does |
|---|---|---|---|
"""


CARRIER_HEADER = """
## Carrier settings

`DISPUTES_CARRIERS` holds each carrier's settings as JSON, by carrier code:
`{"dhl": {"api_key": "…"}, "ups": {"credentials": {"client_id": "…", "client_secret": "…"}}}`. A dotted key below
is a nested object (`retry.attempts` is `{"retry": {"attempts": 4}}`); a setting marked required has no default.
Only the carriers named there are called (in sandbox mode every carrier, through the sandbox). A `base_url` is
`https://`: every call carries credentials. `http://` is taken only to a loopback host (localhost, 127.0.0.0/8, ::1)
or, with `DISPUTES_SANDBOX_CARRIERS_ALLOWED`, to the address of `DISPUTES_CARRIER_SANDBOX_URL` (the sandbox on another
host, as in docker-compose.yml), never to a real carrier's.
"""
SHARED: tuple[tuple[str, type[BaseModel]], ...] = (
    ("Every carrier", CarrierSettings),
    ("Every carrier that may push through the partner webhook", PartnerCarrierSettings),
)


def render(model: type[BaseSettings] = Settings) -> str:
    prefix = model.model_config.get("env_prefix", "")
    rows = [_row(f"`{prefix}{name}`".upper(), info) for name, info in model.model_fields.items()]
    return HEADER + "".join(rows) + (_carriers() if model is Settings else "")


def _carriers() -> str:
    """Shared settings once, then each carrier's own (its base URL among them: each has its own default)."""
    table = "| key | type | default | what it does |\n|---|---|---|---|\n"
    parts = [CARRIER_HEADER]
    sections = [(title, model, [k for k in _keys(model, _own(model)) if k[0] != "base_url"]) for title, model in SHARED]
    sections += [(f"`{code}`: {entry.build.name}", entry.settings, list(_keys(entry.settings, _own(entry.settings))))
                 for code, entry in CARRIERS.items()]
    for title, _, keys in sections:
        parts.append(f"\n### {title}\n\n" + table + "".join(_row(f"`{key}`", info) for key, info in keys))
    return "".join(parts)


def _own(model: type[BaseModel]) -> set[str]:
    """The fields a carrier's settings declare below the shared ones (those are listed once), its base URL among
    them; a shared section's, those its model declares itself."""
    if model in (CarrierSettings, PartnerCarrierSettings):
        return set(inspect.get_annotations(model))
    shared = model.__mro__.index(PartnerCarrierSettings if issubclass(model, PartnerCarrierSettings) else CarrierSettings)
    return {name for cls in model.__mro__[:shared] for name in inspect.get_annotations(cls)} | {"base_url"}


def _keys(model: type[BaseModel], names: set[str], prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """Each setting by its dotted key; a nested group of settings by its members."""
    for name, info in model.model_fields.items():
        if name not in names:
            continue
        yield f"{prefix}{name}", info
        if isinstance(nested := info.annotation, type) and issubclass(nested, BaseModel):
            yield from _keys(nested, set(nested.model_fields), f"{prefix}{name}.")


def _row(variable: str, info: FieldInfo) -> str:
    kind, default = _type(info.annotation), _default(info)
    if NoDecode in info.metadata:  # a list read as written, not as JSON
        kind, default = kind.replace("JSON list of ", "") + ", separated by commas", default.replace("`[]`", "none")
    cells = (variable, kind, default, " ".join((info.description or "").split()))
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"


def _type(annotation: object) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _type(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "JSON object"
    if origin is Literal:
        return " or ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        kinds = [_type(a) for a in get_args(annotation) if a is not type(None)]
        return " or ".join(kinds) + ", optional"
    if origin is dict:
        return "JSON object"
    if origin in (list, tuple, set, frozenset):
        return f"JSON list of {_type(get_args(annotation)[0])}"
    return TYPES.get(annotation) or str(getattr(annotation, "__name__", annotation))


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True) if info.default is PydanticUndefined else info.default
    match default:
        case None:
            return "unset"
        case SecretStr():
            return "a development-only value"
        case bool():
            return f"`{str(default).lower()}`"
        case list() | tuple():
            return f"`{json.dumps(list(default))}`"
        case BaseModel():
            return "the defaults below"
        case _:
            return f"`{default}`"


def main() -> None:
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE}")


if __name__ == "__main__":
    main()
