"""Typed application keys for what handlers and workers share."""

from aiohttp import web

from adapters.web.auth import TokenVerifier
from disputes.service import DisputeService

SERVICE = web.AppKey("service", DisputeService)
TOKENS = web.AppKey("tokens", TokenVerifier)
MAX_PAGE = web.AppKey("max_page", int)
REQUEST_ID = web.RequestKey("request_id", str)
ROLE = web.RequestKey("role", str)
