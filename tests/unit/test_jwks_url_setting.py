"""DISPUTES_JWT_JWKS_URL names where the keys that decide who may call come from: over plain http:// a network
attacker could hand the service keys of their own, so only https:// is taken, or http:// to this machine (a
stand-in provider on loopback). Anything else stops the command in one line naming the setting."""

import pytest
from pydantic import ValidationError

from adapters.cli import explain
from adapters.settings import Settings

REFUSED = "DISPUTES_JWT_JWKS_URL: must be an https:// URL (http:// only to a loopback host: "


@pytest.mark.parametrize("url", [
    "http://idp.example/.well-known/jwks.json",
    "HTTP://idp.example/.well-known/jwks.json",
    "http://10.0.0.7:8080/jwks.json",  # a private address is still the network
    "http://127.0.0.1.idp.example/jwks.json",  # a name that starts like a loopback address
    "http://localhost.idp.example/jwks.json",
    "http://[::ffff:10.0.0.7]/jwks.json",
])
def test_a_plain_http_jwks_url_off_this_machine_is_refused_in_one_line(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, jwt_jwks_url=url)
    (line,) = explain(refused.value)
    assert line.startswith(REFUSED), line


@pytest.mark.parametrize("url", [
    "https://idp.example/.well-known/jwks.json",
    "https://10.0.0.7:8443/jwks.json",
    "http://127.0.0.1:8081/.well-known/jwks.json",
    "http://127.8.9.10/jwks.json",  # 127.0.0.0/8 is loopback (RFC 1122 §3.2.1.3)
    "http://localhost:8081/jwks.json",
    "http://LocalHost/jwks.json",
    "http://[::1]:8081/jwks.json",
])
def test_an_https_jwks_url_or_a_plain_http_one_on_loopback_is_taken(url: str) -> None:
    assert Settings(_env_file=None, jwt_jwks_url=url).jwt_jwks_url == url
