"""Typed application keys for what handlers and workers share."""

from aiohttp import web
from prometheus_client import CollectorRegistry

from adapters.web.auth import TokenVerifier
from adapters.web.views import Cursors, DisputeViews, QueueRows
from adapters.carrier_health import CarrierHealth
from carriers.base import CarrierAdapter, PushCarrier
from disputes.intake import EvidenceIntake
from disputes.service import DisputeService
from disputes.staff import Assignments, Staff

SERVICE = web.AppKey("service", DisputeService)
ASSIGNMENTS = web.AppKey("assignments", Assignments)  # assigning names only active staff on record
STAFF_DIRECTORY = web.AppKey("staff", Staff)
TOKENS = web.AppKey("tokens", TokenVerifier)
MAX_PAGE = web.AppKey("max_page", int)
EXPORT_MAX_ROWS = web.AppKey("export_max_rows", int)
CURSORS = web.AppKey("cursors", Cursors)
HISTORY_CURSORS = web.AppKey("history_cursors", Cursors)  # a customer's history is ordered by opening, not due date
QUEUE_ROWS = web.AppKey("queue_rows", QueueRows)
DISPUTE_VIEWS = web.AppKey("dispute_views", DisputeViews)
REQUEST_ID = web.RequestKey("request_id", str)
CARRIERS: web.AppKey[dict[str, CarrierAdapter]] = web.AppKey("carriers")
PUSH_CARRIERS: web.AppKey[dict[str, PushCarrier]] = web.AppKey("push_carriers")  # the carriers that accept webhooks
INTAKE = web.AppKey("intake", EvidenceIntake)
METRICS = web.AppKey("metrics", CollectorRegistry)
CARRIER_HEALTH = web.AppKey("carrier_health", CarrierHealth)  # the shared breakers, for /v1/carriers and /metrics
WEBHOOK_MAX_BYTES = web.AppKey("webhook_max_bytes", int)
BODY_TIMEOUT = web.AppKey("body_timeout", float)
