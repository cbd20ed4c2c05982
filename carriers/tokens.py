"""Bearer tokens from token endpoints that are not OAuth2: the carrier's own request and reply shapes.

``OAuthLink`` reads an RFC 6749 reply (``access_token``, ``expires_in``). HepsiJET and MNG answer in their
own shapes, often without a lifetime; ``GrantLink`` takes the carrier's reader, which returns a
``TokenGrant`` (with the configured lifetime when the carrier states none). Caching, sharing one fetch
between concurrent callers, and refreshing once on 401 are ``TokenCache``'s, unchanged.
"""

import base64
from collections.abc import Callable

import aiohttp
from pydantic import SecretStr

from carriers.auth import TokenGrant
from carriers.base import CarrierSettings
from carriers.clock import Clock
from carriers.http import HttpRequest, HttpResponse
from carriers.link import OAuthLink

type GrantReader = Callable[[HttpResponse], TokenGrant]


def basic_auth(user: str, password: SecretStr) -> str:
    """The ``Authorization`` value for HTTP Basic auth (RFC 7617), UTF-8 as Turkish user names need."""
    return "Basic " + base64.b64encode(f"{user}:{password.get_secret_value()}".encode()).decode()


class GrantLink(OAuthLink):
    def __init__(
        self,
        carrier: str,
        settings: CarrierSettings,
        session: aiohttp.ClientSession,
        clock: Clock,
        token_request: HttpRequest,
        read_grant: GrantReader,
    ) -> None:
        super().__init__(carrier, settings, session, clock, token_request)
        self._read_grant = read_grant

    async def _fetch_token(self) -> TokenGrant:
        return self._read_grant(await self.http.send(self._token_request))
