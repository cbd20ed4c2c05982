"""The `disputes` command: the same code runs as API, worker, sandbox or the all-in-one embedded default.

    disputes embedded   mongoeco on a local file + sandbox + API + workers + demo data (zero config)
    disputes serve      the HTTP API (production: DISPUTES_MONGODB_URI, DISPUTES_JWT_JWKS_URL and the service URLs set)
    disputes worker     the background workers only
    disputes sandbox    the local stand-in for the marketplace's order, payment, fulfillment, notification services
    disputes token      mint a development JWT for a role (taken by the embedded default only)
    disputes sandbox-shipment   script what a carrier in the running sandbox says about one tracking number
    disputes sandbox-order      add an order of your own to the running sandbox (kept across restarts)
"""

import argparse
import asyncio
import gc
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from adapters.bootstrap import create_app
from adapters.demo.seed import demo_orders, seed_orders
from adapters.demo.staff import seed_staff
from adapters.mongo.client import connect
from adapters.mongo.staff import MongoStaffDirectory
from adapters.quickstart import banner
from adapters.mongo.embedded import DataDirBusy, DataDirLock, EmbeddedMongo
from adapters.observability import configure_logging
from sandbox.carriers import demo_shipments, script, serve_carrier_sandbox
from sandbox import orders as sandbox_orders
from sandbox.digital import DigitalScript
from sandbox.downstream import serve_downstream_sandbox
from adapters.settings import DEV_JWT_SECRET, Settings
from adapters.web.auth import HmacTokens
from adapters.web.limits import server_options
from adapters.workers import worker_id as default_worker_id
from schemas.common import Role

DEMO_DIGITAL = {("ord-2016", "HB-OFFICE-HOME-2024"): DigitalScript(scenario="activated", recipient="a***@example.com")}
"""The demo's digital lines: ord-2016's licence key was sent and activated; ord-2015's gift card was never sent."""
COMMANDS = ("embedded", "serve", "worker", "sandbox", "token", "sandbox-shipment", "sandbox-order")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="disputes", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("embedded", help="run everything locally on the embedded default")
    sub.add_parser("serve", help="run the HTTP API")
    sub.add_parser("worker", help="run the background workers")
    sandbox = sub.add_parser("sandbox", help="run the downstream sandbox")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090, help="the downstream services")
    sandbox.add_argument("--carriers-port", type=int, default=8091, help="the carriers")
    sandbox.add_argument("--push-target", help="the service's base URL, for carrier webhooks")
    token = sub.add_parser("token", help="mint a development JWT (HS256, taken by `disputes embedded` only)")
    token.add_argument("--role", choices=[r.value for r in Role], required=True)
    token.add_argument("--sub", required=True)
    token.add_argument("--customer-id")
    token.add_argument(
        "--hours", type=float, help="how long it is valid (default 8, at most DISPUTES_JWT_MAX_LIFETIME_HOURS)"
    )
    script.add_arguments(sub.add_parser("sandbox-shipment", help="script a carrier's answers for one tracking number"))
    sandbox_orders.add_arguments(sub.add_parser("sandbox-order", help="add an order of your own to the sandbox"))
    args = parser.parse_args(argv)

    settings = Settings()
    worker_id = settings.worker_id or default_worker_id()
    process = {"worker_id": worker_id} if args.command == "worker" else None
    configure_logging(settings.log_level, settings.log_json, once=True, process=process)
    match args.command:
        case "token":
            print(_token(settings, args))
        case "sandbox":
            _run(_sandbox(args.host, args.port, args.carriers_port, args.push_target))
        case "serve":
            _require_production_settings(settings)
            if settings.jwt_jwks_url is None:  # HS256 development tokens are for the embedded default only
                sys.exit("DISPUTES_JWT_JWKS_URL is not set: `disputes serve` verifies bearer tokens against the "
                         "identity provider's keys (development tokens are for `disputes embedded` only).")
            _run(_serve(settings))
        case "worker":
            _require_production_settings(settings)
            workers = settings.model_copy(update={"run_workers": True, "worker_id": worker_id})
            ops = f"worker {worker_id}: /healthz, /readyz, /metrics on http://{settings.host}:{settings.worker_port}"
            _run(_serve(workers, api=False, announce=lambda: ops))
        case "embedded":
            try:
                lock = DataDirLock(settings.data_dir)
            except DataDirBusy as busy:
                sys.exit(str(busy))
            _run(_embedded(settings, lock))
        case "sandbox-shipment":
            status, answer = asyncio.run(script.send(args.sandbox, script.shipment_from(args)))
            print(json.dumps(answer, ensure_ascii=False))
            sys.exit(0 if status == 201 else 1)
        case "sandbox-order":
            try:
                order, packing = sandbox_orders.order_from(args), sandbox_orders.packing_from(args)
            except (ValueError, OSError) as error:  # a ValidationError is a ValueError
                sys.exit(str(error))
            status, answer = asyncio.run(sandbox_orders.send(args.sandbox, order, packing))
            print(json.dumps(answer, ensure_ascii=False))
            sys.exit(0 if status == 201 else 1)


def _token(settings: Settings, args: argparse.Namespace) -> str:
    most = settings.jwt_max_lifetime_hours
    if args.hours is not None and not 0 < args.hours <= most:
        sys.exit(f"--hours must be more than 0 and at most {most:g} (DISPUTES_JWT_MAX_LIFETIME_HOURS).")
    customer = args.customer_id or (args.sub if args.role == Role.CUSTOMER else None)
    ttl = None if args.hours is None else timedelta(hours=args.hours)
    return HmacTokens.from_settings(settings).mint(args.sub, Role(args.role), customer, ttl)


def _require_production_settings(settings: Settings) -> None:
    if settings.mongodb_uri is None:
        sys.exit("DISPUTES_MONGODB_URI is not set. For the local all-in-one default run `disputes embedded`.")
    if settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
        sys.exit("DISPUTES_JWT_SECRET must be set to a secret of your own outside the embedded default.")
    if settings.test_clocks:  # a case on a clock its customer advances could be steered to its default decision
        sys.exit("DISPUTES_TEST_CLOCKS is for the embedded default (sandbox) only.")
    if settings.console_dev_sign_in:  # anyone could sign in as staff
        sys.exit("DISPUTES_CONSOLE_DEV_SIGN_IN is for the embedded default (sandbox) only.")


def _run(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(runner(), loop_factory=_loop_factory())


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (measured faster in bench/), the standard loop elsewhere."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _sandbox(host: str, port: int, carriers_port: int, push_target: str | None) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def run(stop: asyncio.Event) -> None:
        now = datetime.now(UTC)
        downstream = await serve_downstream_sandbox(host, port, demo_orders(now), digital=DEMO_DIGITAL)
        carriers = await serve_carrier_sandbox(host, carriers_port, demo_shipments(now), push_target)
        print(f"sandbox: downstream services on http://{host}:{port}, carriers on http://{host}:{carriers_port}", flush=True)
        await stop.wait()
        await carriers.cleanup()
        await downstream.cleanup()

    return run


def _serve(
    settings: Settings, api: bool = True, announce: Callable[[], str] | None = None
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The API on `port`, or (`api=False`) the workers with their operations endpoints on `worker_port`."""

    async def run(stop: asyncio.Event) -> None:
        runner = web.AppRunner(create_app(settings, api=api), **server_options(settings))
        await runner.setup()
        gc.freeze()  # what start-up built lives as long as the process: the collector stops rescanning it
        port = settings.port if api else settings.worker_port
        await web.TCPSite(runner, settings.host, port).start()
        print(announce() if announce else f"listening on http://{settings.host}:{port}", flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    return run


def _embedded(settings: Settings, lock: DataDirLock) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def run(stop: asyncio.Event) -> None:
        data_dir = settings.data_dir
        orders_file = data_dir / "orders.json"
        now = datetime.now(UTC)
        orders, journey = seed_orders(orders_file, now)
        mongo = EmbeddedMongo(data_dir, lock=lock)
        mongo.launch()
        uri = await asyncio.to_thread(mongo.wait_ready)
        supervisor = asyncio.create_task(mongo.supervise(stop))
        sandbox = await serve_downstream_sandbox(
            "127.0.0.1", settings.sandbox_port, orders, orders_file, digital=DEMO_DIGITAL
        )
        sandbox_url = f"http://127.0.0.1:{settings.sandbox_port}"
        service_url = f"http://{settings.host}:{settings.port}"
        carriers = await serve_carrier_sandbox("127.0.0.1", settings.carrier_sandbox_port, demo_shipments(now), service_url)
        carriers_url = f"http://127.0.0.1:{settings.carrier_sandbox_port}"
        local = settings.model_copy(
            update={
                "mongodb_uri": uri,
                "orders_url": sandbox_url,  # orders added to the sandbox are there at once
                "payments_url": sandbox_url,
                "fulfillment_url": sandbox_url,
                "notifications_url": sandbox_url,
                "accounts_url": sandbox_url,
                "finance_url": sandbox_url,
                "digital_url": sandbox_url,
                "carrier_sandbox_url": carriers_url,
                "run_workers": True,
                "test_clocks": True,
                "console_dev_sign_in": True,
                "jwt_jwks_url": None,  # the banner's and the dev sign-in's tokens are development tokens
            }
        )
        try:
            await _seed_staff(local)
            await _serve(local, announce=lambda: banner(local, sandbox_url, carriers_url, Path(data_dir), journey))(stop)
        finally:
            stop.set()
            await carriers.cleanup()
            await sandbox.cleanup()
            await asyncio.to_thread(mongo.stop)
            await supervisor

    return run


async def _seed_staff(settings: Settings) -> None:
    assert settings.mongodb_uri is not None
    client = connect(settings.mongodb_uri, timeout_seconds=settings.mongodb_timeout_seconds)
    try:
        await seed_staff(MongoStaffDirectory(client[settings.mongodb_database]))
    finally:
        await client.close()


if __name__ == "__main__":
    main()
