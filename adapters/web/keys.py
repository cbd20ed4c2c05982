"""Typed application keys for what handlers and workers share."""

from aiohttp import web
from prometheus_client import CollectorRegistry

from adapters.web.auth import TokenVerifier
from disputes.service import DisputeService

SERVICE = web.AppKey("service", DisputeService)
TOKENS = web.AppKey("tokens", TokenVerifier)
MAX_PAGE = web.AppKey("max_page", int)
REQUEST_ID = web.RequestKey("request_id", str)
ROLE = web.RequestKey("role", str)
CARRIERS = web.AppKey("carriers", dict)
EVIDENCE_STORE = web.AppKey("evidence_store", object)
METRICS = web.AppKey("metrics", CollectorRegistry)
WEBHOOK_MAX_BYTES = web.AppKey("webhook_max_bytes", int)
CLOCK = web.AppKey("clock", object)
