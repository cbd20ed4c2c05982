"""The composition root: builds the application from settings. Tests pass fakes through `Overrides`.

No I/O happens at import or construction time; clients are created in `cleanup_ctx` and closed there.
"""

import asyncio
import contextvars
import json
import re
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from importlib.metadata import version

import aiohttp
import pymongo
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry
from pydantic import ValidationError
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from adapters.downstream import (
    AccountsClient,
    Backoff,
    EffectClient,
    FinanceClient,
    FulfillmentClient,
    NotificationsClient,
    PaymentsClient,
    Signer,
)
from adapters.carrier_gateway import CarrierCounters, CarrierMetrics, RegistryGateway, build_carriers
from adapters.carrier_health import CarrierHealth
from adapters.memory import (
    InMemoryDisputes,
    InMemoryEvidenceStore,
    InMemoryIdempotencyKeys,
    InMemoryPushRetention,
    InMemoryReports,
    InMemoryRetention,
    InMemorySignedOutSessions,
    InMemorySchedule,
    InMemoryStoredCopyCheck,
    InMemoryStaffDirectory,
    InMemoryTestClocks,
    InMemoryWorkload,
)
from adapters.mongo.breakers import MongoBreakerStore
from adapters.observability import failure
from adapters.mongo.client import connect
from adapters.mongo.disputes import Doc, MongoDisputes
from adapters.mongo.errors import CREDENTIALS_REFUSED, DATABASE_SECONDS, credentials_refused
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.idempotency import MongoIdempotencyKeys
from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES
from adapters.mongo.reports import MongoReports
from adapters.mongo.retention import AttachmentRetention, PushRetention, StoredCopyCheck
from adapters.mongo.retention_dates import date_retention
from adapters.mongo.schedule import MongoSchedule
from adapters.mongo.sessions import MongoSignedOutSessions
from adapters.mongo.setup import StorageSetup
from adapters.mongo.staff import MongoStaffDirectory
from adapters.mongo.test_clocks import MongoTestClocks
from adapters.metrics import (
    HTTP_METRICS, READING_SECONDS, SCRAPE, HttpMetrics, RelayMetrics, WorkerPasses, WorkloadGauges, calendar_end,
    storage_set_up,
)
from adapters.mongo.workload import MongoWorkload
from adapters.images import DecodeTurns
from adapters.tracing import propagation
from adapters.digital import HttpDigitalDeliveries
from adapters.orders import FileOrderDirectory, HttpOrderDirectory
from sandbox.carriers import sandbox_carrier_settings
from adapters.settings import Settings, UnusableSetting
from adapters.web import ops
from adapters.web.auth import bearer_tokens
from adapters.web.console import setup_console
from adapters.web.console.session import SIGNED_OUT
from adapters.web import (
    carriers_api, conversation_api, customers_api, evidence_api, ledger_api, pushes_api, reports_api, staff_api,
    test_clocks_api,
)
from adapters.web.disputes_api import ENDPOINTS as DISPUTE_ENDPOINTS
from adapters.web.endpoint import Endpoint
from adapters.web.idempotency import FIRST_ANSWERS
from adapters.web.in_flight import ADMISSION, Admission, held_until_done
from adapters.web.uploads import ImageCleaner, form_refused
from adapters.web.keys import (
    ASSIGNMENTS,
    BODY_TIMEOUT,
    CARRIER_HEALTH,
    CARRIERS,
    CURSORS,
    EXPORT_MAX_ROWS,
    HISTORY_CURSORS,
    INTAKE,
    MAX_PAGE,
    METRICS,
    PUSH_CARRIERS,
    QUEUE_ROWS,
    DISPUTE_VIEWS,
    SERVICE,
    STAFF_DIRECTORY,
    TOKENS,
    WEBHOOK_MAX_BYTES,
)
from adapters.web.edge import EdgeRoutes, Refused
from adapters.web.openapi import build_openapi
from adapters.web import rate_limit
from adapters.web.views import Cursors, DisputeViews, QueueRows
from adapters.wake import WakingInbox, WakingRepository, Wakeups
from adapters.workers import log_attempt, run_workers, worker_id
from adapters.worklog import StructlogWorkLog
from carriers.base import CarrierAdapter
from carriers.breaker import BreakerStore, InMemoryBreakerStore
from carriers.parsing import attachment_media_type
from disputes.digital import DigitalPuller
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.customers import CustomerRecords
from disputes.duty import Duty
from disputes.staff import Assignments, Staff
from disputes.evidence_access import EvidenceAccess
from disputes.assessment import Assessor
from disputes.restrictions import RestrictionReviewer
from disputes.sla_sweeper import SlaSweeper
from disputes.intake import EvidenceIntake
from disputes.ports import (
    Accounts,
    CarrierGateway,
    Clock,
    DigitalDeliveries,
    DisputeRepository,
    DisputeStorage,
    EvidenceInbox,
    IdempotencyKeys,
    EvidenceStore,
    Finance,
    Fulfillment,
    Notifications,
    OrderDirectory,
    Payments,
    Schedule,
    StaffDirectory,
    StorageUnavailable,
    TestClocks,
    Workload,
    WorkloadReader,
)
from disputes.idempotency import FirstAnswers
from disputes.pushes import PushRecords
from disputes.schedule import DueWork, Handover, Job, until_set
from disputes.work import COPY_CHECKS, WorkKind
from disputes.relay import Attempt, Relay
from disputes.service import DisputeService, to_millisecond
from disputes.test_clocks import TestClockService
from schemas.api import Health

log = structlog.get_logger("bootstrap")

ENDPOINTS = (
    DISPUTE_ENDPOINTS + evidence_api.ENDPOINTS + conversation_api.ENDPOINTS + carriers_api.ENDPOINTS
    + reports_api.ENDPOINTS + ledger_api.ENDPOINTS + customers_api.ENDPOINTS + pushes_api.ENDPOINTS + staff_api.ENDPOINTS
)
ANY_SEGMENT = re.compile(r"{(id|ref|customer_id|staff_id)}")
OPS_ENDPOINTS = (
    Endpoint("GET", "/metrics", ops.metrics, "Prometheus metrics", tag="operations", extra={"ok": ops.METRICS_ANSWER}),
    Endpoint("GET", "/healthz", ops.healthz, "Liveness", response=Health, tag="operations",
             extra={"example": {"status": "ok"}}),
    Endpoint("GET", "/readyz", ops.readyz, "Readiness: storage is set up and the database answers ping", response=Health, tag="operations",
             errors=(503,), extra={"example": {"status": "ready"}}),
)
HIDDEN = (
    Endpoint("GET", "/openapi.json", ops.openapi, "This document", tag="operations"),
    Endpoint("GET", "/docs", ops.docs, "API docs page", tag="operations"),
    Endpoint("GET", "/docs/init.js", ops.docs_init, "API docs page script", tag="operations"),
)
STORAGE_SET_UP: web.AppKey[Callable[[], None]] = web.AppKey("storage_set_up")
"""Raises `StorageUnavailable` until storage is set up (`adapters/mongo/setup.py`): the API's routes answer 503."""


class SystemClock:
    def now(self) -> datetime:
        """Millisecond precision: what BSON stores, so a stored dispute reads back exactly as it was written."""
        return to_millisecond(datetime.now(UTC))


@dataclass
class Overrides:
    """Replacements for the real adapters (tests, benchmark)."""

    orders: OrderDirectory | None = None
    payments: Payments | None = None
    fulfillment: Fulfillment | None = None
    notifications: Notifications | None = None
    accounts: Accounts | None = None
    finance: Finance | None = None
    digital: DigitalDeliveries | None = None
    clock: Clock | None = None
    carriers: dict[str, CarrierAdapter] | None = None
    gateway: CarrierGateway | None = None
    mongo_listeners: tuple[monitoring._EventListener, ...] = ()
    """PyMongo command listeners (tests audit every query against the declared indexes)."""
    monotonic: Callable[[], float] | None = None
    """The seconds the rate limits' token buckets refill by (tests: a clock they move)."""


@cache
def _openapi_document(test_clocks: bool) -> bytes:
    """The document `/openapi.json` serves, built (from the models' JSON schemas: a third of a second) once per process
    for each set of endpoints."""
    endpoints = ENDPOINTS + (test_clocks_api.ENDPOINTS if test_clocks else ())
    return json.dumps(build_openapi(endpoints + OPS_ENDPOINTS, version("dispute-service"))).encode()


def create_app(settings: Settings, overrides: Overrides | None = None, *, api: bool = True) -> web.Application:
    """The API application; with `api=False` the background workers, serving only the operations endpoints
    (liveness, readiness, metrics)."""
    app = web.Application(client_max_size=settings.max_body_bytes)  # no middlewares: see adapters/web/edge.py
    app[MAX_PAGE] = settings.max_page_size
    app[EXPORT_MAX_ROWS] = settings.export_max_rows
    secret, accepted = settings.jwt_secret.get_secret_value(), settings.jwt_accepted_secret
    accepted_secret = None if accepted is None else accepted.get_secret_value()
    app[CURSORS] = Cursors.from_secret(secret, accepted=accepted_secret)
    app[HISTORY_CURSORS] = Cursors.from_secret(secret, b"customer history cursor", accepted=accepted_secret)
    app[pushes_api.PUSH_CURSORS] = Cursors.from_secret(secret, b"push trace cursor", accepted=accepted_secret)
    app[QUEUE_ROWS] = QueueRows()
    app[DISPUTE_VIEWS] = DisputeViews()
    app[WEBHOOK_MAX_BYTES] = settings.webhook_max_bytes
    app[BODY_TIMEOUT] = settings.body_timeout_seconds
    app[METRICS] = CollectorRegistry()
    app[HTTP_METRICS] = HttpMetrics(app[METRICS])
    app[SCRAPE] = []
    app[ops.READINESS_LOG] = ops.ReadinessLog()
    app[rate_limit.RATE_LIMITS] = _rate_limits(settings, (overrides and overrides.monotonic) or time.monotonic)
    app[carriers_api.WEBHOOK_COUNTER] = carriers_api.WebhookCounter(app[METRICS])
    endpoints = ENDPOINTS + (test_clocks_api.ENDPOINTS if settings.test_clocks else ())
    app[ops.OPENAPI] = _openapi_document(settings.test_clocks)
    mongodb = settings.storage == "mongodb"
    routes = _DatabaseBoundRoutes(app, settings.mongodb_request_timeout_seconds) if mongodb else EdgeRoutes(app)
    admission = app[ADMISSION] = Admission(app[METRICS], settings.requests_in_flight, settings.webhooks_in_flight)
    for endpoint in endpoints + OPS_ENDPOINTS + HIDDEN if api else OPS_ENDPOINTS:
        handler = endpoint.aiohttp_handler()
        if mongodb and endpoint not in OPS_ENDPOINTS + HIDDEN:
            handler = _once_storage_is_set_up(handler)
        if mongodb and endpoint.counts == "carrier":  # a push's events are stored in one call; carriers retry a 503 later
            handler = _within_database_time(settings.mongodb_worker_timeout_seconds, handler)
        refused = None
        if endpoint not in OPS_ENDPOINTS + HIDDEN:
            handler = admission.admitting(_share(endpoint), body_first=endpoint.reads_body)(handler)
            refused = _refused_on_headers(admission, endpoint)
        # Any segment reaches the handler, so a malformed id is a 422 from validation, not a router 404.
        routes.add(endpoint.method, ANY_SEGMENT.sub(r"{\1:[^/]+}", endpoint.path), handler, refused)
    if api:
        routes.files("/docs/static", ops.DOCS_DIR)
        set_up: Callable[[Handler], Handler] = _once_storage_is_set_up if mongodb else (lambda handler: handler)
        pages, forms = admission.admitting("people"), admission.admitting("people", body_first=True)
        setup_console(app, routes, settings, lambda page: pages(set_up(page)), lambda form: forms(set_up(form)),
                      admission.refusing("people"))
    routes.close()
    app.cleanup_ctx.append(partial(_resources, settings, overrides or Overrides(), api))
    return app


async def _resources(settings: Settings, overrides: Overrides, api: bool, app: web.Application) -> AsyncIterator[None]:
    clock = overrides.clock or SystemClock()
    timeout = aiohttp.ClientTimeout(total=settings.downstream_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout, trace_configs=[propagation()]) as session:
        app[TOKENS] = tokens = bearer_tokens(settings, session)
        clients: list[AsyncMongoClient[Doc]] = []
        repository: DisputeStorage
        retention = timedelta(days=settings.attachment_retention_days)
        personal_data = timedelta(days=settings.case_personal_data_retention_days)
        keep_pushes = max(retention, settings.rules().claim_window)  # a case may still be opened on the shipment
        if settings.storage == "mongodb":
            if settings.mongodb_uri is None:
                raise RuntimeError("DISPUTES_MONGODB_URI is not set (use `disputes embedded` for the local default)")
            try:
                client = connect(
                    settings.mongodb_uri, password=settings.mongodb_password,
                    timeout_seconds=settings.mongodb_timeout_seconds, event_listeners=overrides.mongo_listeners,
                )
                # readiness asks the database over a connection of its own: a pool busy with requests is no database
                # gone; made and authenticated afresh for each check, so a password the database no longer takes fails
                # readiness, not only the requests that open a connection
                pinging = connect(
                    settings.mongodb_uri, password=settings.mongodb_password,
                    timeout_seconds=settings.mongodb_timeout_seconds, pool_size=1, fresh_connections=True,
                )
            except OSError as error:  # a TLS file the URI names that holds no certificate or key
                raise UnusableSetting(f"DISPUTES_MONGODB_URI: a TLS file it names cannot be used: {error}") from None
            clients += [client, pinging]
            db = client[settings.mongodb_database]
            repository = MongoDisputes.in_database(db, retention, personal_data)
            setup = StorageSetup(db, then=partial(date_retention, db, repository, keep_pushes, clock))
            setting_up = await setup.start()
            app[STORAGE_SET_UP] = setup.check
            store: EvidenceStore = MongoEvidenceStore(db, keep_pushes)
            schedule: Schedule = MongoSchedule(db, repository.stored)
            breakers: BreakerStore = MongoBreakerStore(db)
            retaining: list[Job] = [
                AttachmentRetention(db, repository, clock), PushRetention(db, keep_pushes, clock),
                *(StoredCopyCheck(db, clock, kind) for kind in COPY_CHECKS),
            ]
            test_clocks: TestClocks = MongoTestClocks(db)
            directory: StaffDirectory = MongoStaffDirectory(db)
            app[reports_api.REPORTS] = MongoReports(db[DISPUTES])
            app[SIGNED_OUT] = MongoSignedOutSessions(db)
            keys: IdempotencyKeys = MongoIdempotencyKeys(db)
            workload: WorkloadReader = MongoWorkload(db[DISPUTES], db[CARRIER_EVENTS])
            app[ops.READINESS] = _pinger(pinging[settings.mongodb_database], setup)
        else:
            memory, memory_store = InMemoryDisputes(retention, personal_data), InMemoryEvidenceStore(keep_pushes)
            repository, store = memory, memory_store
            schedule = InMemorySchedule(memory, memory_store)
            breakers = InMemoryBreakerStore()
            retaining = [InMemoryRetention(memory, memory_store, clock), InMemoryPushRetention(memory, memory_store, clock),
                         *(InMemoryStoredCopyCheck(memory, memory_store, clock, kind) for kind in COPY_CHECKS)]
            test_clocks = InMemoryTestClocks(memory)
            directory = InMemoryStaffDirectory()
            app[reports_api.REPORTS] = InMemoryReports(memory)
            app[SIGNED_OUT] = InMemorySignedOutSessions()
            keys = InMemoryIdempotencyKeys()
            workload = InMemoryWorkload(memory, memory_store)
            app[ops.READINESS] = _always_ready
            setup, setting_up = None, None
        wakeups = Wakeups()
        inbox: EvidenceInbox = store
        stored: DisputeRepository = repository
        if settings.run_workers and settings.wake_workers:  # saves made here wake this process's worker loops
            inbox, stored = WakingInbox(store, wakeups), WakingRepository(repository, wakeups, clock)
        intake = EvidenceIntake(store, inbox, clock, attachment_media_type)
        app[INTAKE] = intake
        carrier_config = settings.carriers
        if settings.carrier_sandbox_url:
            carrier_config = sandbox_carrier_settings(settings.carrier_sandbox_url) | carrier_config
        carriers = overrides.carriers
        if carriers is None:
            carriers = build_carriers(carrier_config, session, breakers, plain_http_to=settings.plain_http_to)
        app[CARRIERS] = carriers
        app[CARRIER_HEALTH] = CarrierHealth(breakers, carriers, app[METRICS])
        CarrierCounters(app[METRICS])
        gauges = WorkloadGauges(
            _ReadingTime(workload, READING_SECONDS), clock, settings.rules().escalate_before_deadline, app[METRICS],
            settings.metrics_storage_max_age_seconds,
        )
        app[SCRAPE].extend((app[CARRIER_HEALTH].refresh, gauges.refresh))
        calendar_end(app[METRICS])
        storage_set_up(app[METRICS], setup.done.is_set if setup is not None else _always_set_up)
        pushing = app[PUSH_CARRIERS] = carriers_api.push_carriers(carriers)
        app[carriers_api.PUSHES_IN_FLIGHT] = carriers_api.pushes_in_flight(pushing, settings.webhook_max_bytes)
        orders = overrides.orders or (_orders(settings, session) if api else _NoOrders())
        packing = orders if isinstance(orders, HttpOrderDirectory | FileOrderDirectory) else None
        service = DisputeService(
            stored, orders, clock, settings.rules(), packing_records=packing, attachments=store, test_clocks=test_clocks,
            duty=Duty(directory), high_value_minor=settings.policy().high_value_minor,
            push_only=frozenset(name for name, adapter in carriers.items() if not adapter.capabilities.pull),
            clean_image=ImageCleaner(DecodeTurns()),
        )
        app[SERVICE] = service
        app[FIRST_ANSWERS] = first_answers = FirstAnswers(
            keys, clock, settings.rules().idempotency_ttl, timedelta(seconds=settings.idempotency_hold_seconds),
            abandoned=_log_abandoned, outlived=held_until_done,
        )
        app[evidence_api.EVIDENCE] = EvidenceAccess(repository, store, clock)
        app[customers_api.CUSTOMERS] = CustomerRecords(repository, settings.max_page_size)
        app[pushes_api.PUSHES] = PushRecords(store, repository, settings.max_page_size)
        app[STAFF_DIRECTORY] = Staff(directory)
        app[ASSIGNMENTS] = Assignments(service, app[STAFF_DIRECTORY])
        stop = asyncio.Event()
        workers = None
        jobs: list[tuple[Job, float]] = []
        if settings.run_workers:
            gateway = overrides.gateway or RegistryGateway(carriers, intake, clock, CarrierMetrics(app[METRICS]))
            WorkerPasses(app[METRICS])
            work_log = StructlogWorkLog()
            lease = timedelta(seconds=settings.lease_seconds)
            digital = overrides.digital or _digital(settings, session, clock)
            holder = settings.worker_id or worker_id()
            assess = wakeups.event(WorkKind.ASSESS)
            then = Handover(WorkKind.ASSESS, holder, lease, clock, assess) if settings.wake_workers else None
            jobs = [
                (EvidencePuller(
                    service, gateway, store, settings.rules(), per_carrier=settings.evidence_per_carrier,
                    slot_wait=lease, log=work_log,
                    digital=DigitalPuller(digital, settings.rules()) if digital else None, then=then,
                ), settings.evidence_interval_seconds),
                (PushAttacher(service, repository, store, then=then, log=work_log), settings.push_interval_seconds),
                (Assessor(service, repository, settings.policy(), log=work_log), settings.assess_interval_seconds),
                (SlaSweeper(service), settings.sla_interval_seconds),
                (RestrictionReviewer(service), settings.restriction_interval_seconds),
                (_relay(settings, overrides, session, repository, clock, RelayMetrics(app[METRICS])),
                 settings.relay_interval_seconds),
            ]
            jobs += [(job, settings.retention_interval_seconds) for job in retaining]
            heartbeat = timedelta(seconds=settings.heartbeat_seconds)
            workers = asyncio.create_task(_once_set_up(setup, stop, partial(_days_off_counted, service, partial(
                run_workers,
                [(DueWork(schedule, job, clock, holder, lease, heartbeat, timedelta(seconds=interval), log=work_log),
                  interval)
                 for job, interval in jobs],
                stop, wakeups, settings.busy_interval_seconds,
            ))), context=_database_time(settings.mongodb_worker_timeout_seconds))
        app[test_clocks_api.TEST_CLOCKS] = TestClockService(test_clocks, service, clock, [job for job, _ in jobs])
        try:
            yield
        finally:
            stop.set()
            if setting_up is not None:  # set-up still waiting for the database, or retention still being dated
                setting_up.cancel()
                await asyncio.gather(setting_up, return_exceptions=True)
            await tokens.close()
            if workers is not None:
                await asyncio.gather(workers, return_exceptions=True)
            await first_answers.drain(settings.mongodb_request_timeout_seconds)  # requests run on for callers gone
            for client in clients:
                await client.close()


def _share(endpoint: Endpoint) -> str:
    """The share of the requests in flight an endpoint's requests take: carriers' pushes apart from people's."""
    return "webhooks" if endpoint.counts == "carrier" else "people"


def _refused_on_headers(admission: Admission, endpoint: Endpoint) -> Refused:
    """A request finding its share's requests in flight at their limit, or a push or form refused on its headers alone:
    not invited to send its body."""
    no_room = admission.refusing(_share(endpoint))
    if endpoint.handler is carriers_api.receive_webhook:
        return lambda request: no_room(request) or carriers_api.refused_on_headers(request)
    if endpoint.read is not None:  # a form with files
        return lambda request: no_room(request) or form_refused(request)
    return no_room


def _log_abandoned(error: BaseException) -> None:
    """A keyed request that failed after its client went: logged as a failed request is, never its message."""
    log.error("abandoned_request_failed", **failure(error), stack="".join(traceback.format_tb(error.__traceback__)))


def _rate_limits(settings: Settings, monotonic: Callable[[], float]) -> rate_limit.RateLimits:
    client = rate_limit.Policy("client", settings.rate_limit_client_burst, settings.rate_limit_client_per_second)
    webhook = rate_limit.Policy("webhook", settings.rate_limit_webhook_burst, settings.rate_limit_webhook_per_second)
    unverified = rate_limit.Policy("webhook-unverified", webhook.burst, webhook.per_second)
    return rate_limit.RateLimits(*(rate_limit.TokenBuckets(policy, monotonic) for policy in (client, webhook, unverified)))


def _relay(
    settings: Settings, overrides: Overrides, session: aiohttp.ClientSession, repository: DisputeStorage, clock: Clock,
    metrics: RelayMetrics,
) -> Relay:
    downstream = partial(_client, settings, session)
    return Relay(
        repository,
        overrides.payments or downstream(PaymentsClient, settings.payments_url),
        overrides.fulfillment or downstream(FulfillmentClient, settings.fulfillment_url),
        overrides.notifications or downstream(NotificationsClient, settings.notifications_url),
        overrides.accounts or downstream(AccountsClient, settings.accounts_url),
        overrides.finance or downstream(FinanceClient, settings.finance_url),
        clock,
        batch=settings.relay_batch,
        max_attempts=settings.relay_max_attempts,
        observe=partial(_observed, metrics),
        appeal_window=settings.rules().appeal_window,
    )


def _observed(metrics: RelayMetrics, attempt: Attempt) -> None:
    log_attempt(attempt)
    metrics.observe(attempt)


class _NoOrders:
    """Workers never open disputes, so they need no order source."""

    async def get(self, order_id: str) -> None:
        raise RuntimeError("workers do not look up orders")


class _DatabaseBoundRoutes(EdgeRoutes):
    """Routes whose handlers wait for the database `seconds` at most per storage call (`DATABASE_SECONDS`): a
    database that stops answering gets a prompt 503, not a request held until the driver gives the server up."""

    def __init__(self, app: web.Application, seconds: float) -> None:
        super().__init__(app)
        self.seconds = seconds

    def get(self, path: str, handler: Handler) -> None:
        super().get(path, _within_database_time(self.seconds, handler))

    def add(self, method: str, path: str, handler: Handler, refused: Refused | None = None) -> None:
        bounded = handler if method == "GET" else _within_database_time(self.seconds, handler)  # a GET: by `get`
        super().add(method, path, bounded, refused)


class _ReadingTime:
    """The storage figures' reader, its calls waiting for the database `seconds` at most (`DATABASE_SECONDS`) whatever
    bound the scrape that began the reading runs under (an API request's is too short for it)."""

    def __init__(self, reader: WorkloadReader, seconds: float) -> None:
        self.reader = reader
        self.seconds = seconds

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        token = DATABASE_SECONDS.set(self.seconds)
        try:
            return await self.reader.workload(now, due_within)
        finally:
            DATABASE_SECONDS.reset(token)


def _within_database_time(seconds: float, handler: Handler) -> Handler:
    """`handler`, its storage calls waiting for the database `seconds` at most each (`DATABASE_SECONDS`)."""

    async def bounded(request: web.Request) -> web.StreamResponse:
        token = DATABASE_SECONDS.set(seconds)
        try:
            return await handler(request)
        finally:
            DATABASE_SECONDS.reset(token)

    return bounded


def _database_time(seconds: float) -> contextvars.Context:
    """A context whose storage calls wait for the database `seconds` at most (`DATABASE_SECONDS`)."""
    context = contextvars.copy_context()
    context.run(DATABASE_SECONDS.set, seconds)
    return context


def _once_storage_is_set_up(handler: Handler) -> Handler:
    """`handler`, answering 503 until storage is set up."""

    async def once_set_up(request: web.Request) -> web.StreamResponse:
        request.app[STORAGE_SET_UP]()
        return await handler(request)

    return once_set_up


async def _once_set_up(setup: StorageSetup | None, stop: asyncio.Event, work: Callable[[], Awaitable[None]]) -> None:
    """`work` once storage is set up; nothing if `stop` comes first."""
    while setup is not None and not (setup.done.is_set() or stop.is_set()):
        await until_set((setup.done, stop), 60.0)
    if not stop.is_set():
        await work()


async def _days_off_counted(service: DisputeService, work: Callable[[], Awaitable[None]]) -> None:
    """`work` (the workers) once the days declared off are counted into the open cases' deadlines, so that no worker
    acts on a deadline they move (`DisputeService.count_days_off`); a failure is logged (the next start-up counts
    them), never the workers' end."""
    try:
        if moved := await service.count_days_off():
            log.info("days_off_counted", cases=moved)
    except Exception as error:  # logged by class: a database error's message may quote a document
        log.error("days_off_not_counted", error=type(error).__name__)
    await work()


def _pinger(db: AsyncDatabase[Doc], setup: StorageSetup) -> ops.ReadinessCheck:
    async def ping() -> None:
        setup.check()
        # Server selection included; the driver's own bound is passed when a connection it holds has just died
        # (0.9 s measured after the database was killed), so the wait is cut at the same time.
        async with asyncio.timeout(ops.READINESS_TIMEOUT_SECONDS):
            with pymongo.timeout(ops.READINESS_TIMEOUT_SECONDS):
                try:
                    await db.command("ping")
                except OperationFailure as error:
                    if credentials_refused(error):
                        raise StorageUnavailable(CREDENTIALS_REFUSED) from error
                    raise

    return ping


async def _always_ready() -> None:
    return None


def _always_set_up() -> bool:
    return True


def _client[C: EffectClient](settings: Settings, session: aiohttp.ClientSession, kind: type[C], url: str | None) -> C:
    if url is None:
        raise RuntimeError(f"{kind.service} URL is not configured (DISPUTES_{kind.service.upper()}_URL)")
    signer = Signer(settings.effects_signing_key_id, settings.effects_signing_secret,
                    legacy_v1=settings.effects_signing_legacy_v1, previous=settings.effects_signing_previous)
    return kind(session, url, settings.downstream_timeout_seconds, settings.downstream_attempts, signer=signer)


def _digital(settings: Settings, session: aiohttp.ClientSession, clock: Clock) -> DigitalDeliveries | None:
    if settings.digital_url is None:
        return None
    return HttpDigitalDeliveries(
        session, settings.digital_url, settings.downstream_timeout_seconds, settings.downstream_attempts, clock
    )


def _orders(settings: Settings, session: aiohttp.ClientSession) -> OrderDirectory:
    if settings.orders_url:
        return HttpOrderDirectory(
            session, settings.orders_url, settings.downstream_timeout_seconds, settings.downstream_attempts,
            backoff=Backoff(budget=settings.orders_budget_seconds),
        )
    if settings.orders_file:
        try:
            return FileOrderDirectory(settings.orders_file)
        except OSError as error:
            reason = error.strerror or str(error)
        except ValidationError as error:
            reason = f"not an orders document ({error.errors(include_url=False, include_input=False)[0]['msg']})"
        except ValueError as error:
            reason = str(error)
        raise UnusableSetting(f"DISPUTES_ORDERS_FILE: {settings.orders_file}: {reason}")
    raise RuntimeError("No order source: set DISPUTES_ORDERS_URL (or DISPUTES_ORDERS_FILE)")
