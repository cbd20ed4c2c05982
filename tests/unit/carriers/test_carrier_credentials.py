"""Every credential a carrier's settings hold (an API key, OAuth client keys, a password) is refused blank when the
settings are checked, named by carrier and key and never by its value: a template's variable left unset would
otherwise start the service with a carrier that refuses every pull, and its cases would wait until their deadline."""

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from adapters.cli import CannotStart, _check_carriers
from adapters.settings import Settings
from carriers.registry import CARRIERS

CLIENT = {"client_id": "our-client-id", "client_secret": "our-client-secret"}
CONFIGURED: dict[str, dict[str, Any]] = {
    "dhl": {"api_key": "our-dhl-api-key"},
    "ups": {"credentials": CLIENT},
    "fedex": {"credentials": CLIENT},
    "mng": {"api_client": CLIENT, "customer_number": "123456", "password": "our-mng-password"},
    "hepsijet": {"username": "marketplace", "password": "our-hepsijet-password", "apikey": "our-hepsijet-apikey"},
    "yurtici": {"username": "marketplace", "password": "our-yurtici-password"},
    "aras": {"username": "marketplace", "password": "our-aras-password", "customer_code": "123"},
    "ptt": {"username": "123456", "password": "our-ptt-password"},
}
"""A working configuration of each carrier that is pulled from with credentials of ours."""


def secrets(model: BaseModel, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where `model` holds a secret, as the keys leading to it."""
    for name, value in model:
        if isinstance(value, SecretStr):
            yield (*path, name)
        elif isinstance(value, BaseModel):
            yield from secrets(value, (*path, name))


def refusal(code: str, configured: dict[str, Any]) -> str:
    with pytest.raises(CannotStart) as refused:
        _check_carriers(Settings(_env_file=None, carriers={code: configured}))
    return str(refused.value)


CREDENTIALS = [
    (code, path) for code, configured in CONFIGURED.items()
    for path in secrets(CARRIERS[code].settings.model_validate(configured))
]


def test_every_carrier_pulled_with_credentials_of_ours_is_checked_here() -> None:
    """Sürat only pushes: its secrets are the partner webhook's, refused blank or short like every push secret."""
    assert set(CARRIERS) - set(CONFIGURED) == {"surat"}
    assert len(CREDENTIALS) == 13  # DHL 1, UPS 2, FedEx 2, MNG 3, HepsiJET 2, Yurtiçi 1, Aras 1, PTT 1


@pytest.mark.parametrize(("code", "path"), CREDENTIALS, ids=[f"{code}-{'.'.join(path)}" for code, path in CREDENTIALS])
@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_a_blank_credential_is_refused_naming_the_carrier_and_the_key(code: str, path: tuple[str, ...], blank: str) -> None:
    configured = copy.deepcopy(CONFIGURED[code])
    *parents, key = path
    entry = configured
    for parent in parents:
        entry = entry[parent]
    entry[key] = blank

    assert refusal(code, configured) == (
        f"DISPUTES_CARRIERS {code} {'.'.join(path)}: is blank: give the credential agreed with the carrier"
    )


@pytest.mark.parametrize("code", CONFIGURED)
def test_a_carrier_with_every_credential_given_is_taken(code: str) -> None:
    _check_carriers(Settings(_env_file=None, carriers={code: CONFIGURED[code]}))
