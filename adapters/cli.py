"""The `disputes` command: the same code runs as API, worker, sandbox or the all-in-one embedded default."""

import argparse
import asyncio
import contextlib
import errno
import gc
import json
import os
import re
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter, ValidationError
from pydantic_settings import DotEnvSettingsSource, SettingsError
from pymongo.errors import InvalidName, PyMongoError
import structlog

from adapters.bootstrap import create_app
from adapters.demo.seed import Journey, demo_orders, seed_orders
from adapters.demo.staff import seed_staff
from adapters.mongo.client import connect
from adapters.mongo.staff import MongoStaffDirectory
from adapters.quickstart import banner
from adapters.mongo.embedded import DATA_FILE, DataDirBusy, DataDirLock, DataDirUnusable, DidNotStart, EmbeddedMongo
from adapters.observability import configure_logging, process_fields
from sandbox.carriers import demo_shipments, script, serve_carrier_sandbox
from sandbox.carriers.state import Scripts
from sandbox import orders as sandbox_orders
from sandbox.digital import DigitalScript
from sandbox.downstream import serve_downstream_sandbox
from sandbox.signing import DEVELOPMENT_SECRET
from adapters.settings import (
    DEV_JWT_SECRET, ENV_FILE, RELAY_TARGETS, SECRETS_DIR, SecretFileError, SecretFiles, Settings, UnusableSetting,
    unknown_variables,
)
from adapters.web.auth import HmacTokens
from adapters.web.limits import server_options
from carriers.base import PLAIN_HTTP_TO
from carriers.registry import CARRIERS
from adapters.workers import worker_id as default_worker_id
from schemas.common import Id, Role

ORDERS_FILE = "orders.json"
"""The embedded default's orders, beside its database in DISPUTES_DATA_DIR."""
DEMO_DIGITAL = {("ord-2016", "HB-OFFICE-HOME-2024"): DigitalScript(scenario="activated", recipient="a***@example.com")}
"""The demo's digital lines: ord-2016's licence key was sent and activated; ord-2015's gift card was never sent."""
WORKERS_NEED = (f"DISPUTES_MONGODB_URI, DISPUTES_EFFECTS_SIGNING_SECRET (what they deliver is signed with it) and "
                f"the services they deliver to: {', '.join(f'DISPUTES_{name.upper()}' for name in RELAY_TARGETS)}")
SETTINGS_NOTE = (
    f"Settings come from DISPUTES_* environment variables and from the lines of a {ENV_FILE} file in the working "
    f"directory, if there is one; a variable set in the environment wins over the same line in {ENV_FILE}, and both "
    f"over a file named like it in the directory {SECRETS_DIR} names (secrets, such as /run/secrets). Every "
    "setting, with its default, is listed in docs/settings.md; a DISPUTES_* variable that names none, or one "
    "whose prefix is misspelt (DISPUTE_APPEAL_WINDOW_DAYS), stops the command."
)
SOURCES = {DotEnvSettingsSource.__name__: f" (in {ENV_FILE})", SecretFiles.__name__: f" (a file in {SECRETS_DIR})"}
"""Where a setting that cannot be read was, by the pydantic-settings source that read it (none: the environment)."""
DESCRIPTIONS = {
    "embedded": "Run everything on this machine with no configuration: an embedded MongoDB-compatible database "
                "(mongoeco) on a file in DISPUTES_DATA_DIR, the stand-in marketplace services and carriers, the API, "
                "the workers and demo data. Prints the URLs, a token for each role and curl commands to try.",
    "serve": "Run the HTTP API on DISPUTES_HOST:DISPUTES_PORT. Needs DISPUTES_MONGODB_URI, DISPUTES_JWT_SECRET, "
             "DISPUTES_JWT_JWKS_URL (bearer tokens are verified against the identity provider's keys) and "
             "DISPUTES_ORDERS_URL (or DISPUTES_ORDERS_FILE); runs the background workers too unless "
             "DISPUTES_RUN_WORKERS=false, and then needs what they need (see `disputes worker --help`).",
    "worker": "Run the background workers only (evidence puller, push attacher, assessor, SLA sweeper, outbox relay, "
              "account-restriction reviewer, retention of closed cases' images and of pushed events, and the checks "
              "that delete stored images and raw replies nothing cites), with /healthz, /readyz and /metrics on DISPUTES_HOST:DISPUTES_WORKER_PORT. Needs "
              f"{WORKERS_NEED}; run as many as you like.",
    "sandbox": "Run the local stand-ins for the marketplace's services (orders, payments, fulfillment, "
               "notifications, accounts, finance, digital delivery) and for every carrier. They have no "
               "authentication: keep them on loopback or a private network.",
    "token": "Print a development bearer token (HS256 JWT) for a role, signed with DISPUTES_JWT_SECRET for the "
             "issuer and audience this service expects. Only the embedded default takes it: `disputes serve` "
             "verifies tokens against the identity provider's JWKS.",
    "sandbox-shipment": "Script what a carrier in the running carrier sandbox says about one tracking number: its "
                        "states pull by pull, its proof of delivery, its faults and latency.",
    "backup": "Copy the embedded default's database (DISPUTES_DATA_DIR) into a new file, consistent even while the "
              "service runs and writes: what to keep as a backup, and what to copy back (the service stopped) to "
              "restore it. See docs/operations.md, \"Backup and restore\".",
    "sandbox-order": "Add an order of your own to the running downstream sandbox (kept across restarts), to open "
                     "disputes on.",
}


class CannotStart(Exception):
    """Something the person starting the command can put right, said in one line."""


IDS = TypeAdapter(Id).validator
CALLER_ROLES = tuple(role for role in Role if role is not Role.SERVICE)
"""The roles a caller can have: tokens are minted only for these."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disputes", description="Investigate delivery disputes: the API, the workers and their sandboxes.",
        epilog=SETTINGS_NOTE,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=DESCRIPTIONS[name], epilog=SETTINGS_NOTE)

    command("embedded", "run everything locally on the embedded default (what `./dev serve` runs)")
    command("serve", "run the HTTP API against MongoDB")
    command("worker", "run the background workers only")
    sandbox = command("sandbox", "run the stand-in marketplace services and carriers")
    sandbox.add_argument("--host", default="127.0.0.1", help="the address both listen on (default: %(default)s)")
    sandbox.add_argument("--port", type=_port, default=8090, help="the marketplace services' port (default: %(default)s)")
    sandbox.add_argument("--carriers-port", type=_port, default=8091, help="the carriers' port (default: %(default)s)")
    sandbox.add_argument(
        "--push-target", metavar="URL", help="the service's base URL, where the carriers push their webhooks"
    )
    token = command("token", "mint a development JWT for a role (taken by `disputes embedded` only)")
    token.add_argument(
        "--role", choices=[r.value for r in CALLER_ROLES], required=True,
        help="whom the token speaks for (not `service`: that role records the service's own actions, and no endpoint "
             "accepts it)",
    )
    token.add_argument("--sub", required=True, type=_id, help="the caller's id (a customer id, or a staff member's id)")
    token.add_argument(
        "--customer-id", type=_id,
        help="the customer the token acts for (default: --sub for a customer, none for the others)",
    )
    token.add_argument(
        "--hours", type=float, help="how long it is valid (default 8, at most DISPUTES_JWT_MAX_LIFETIME_HOURS)"
    )
    backup = command("backup", "copy the embedded default's database into a backup file, while it runs")
    backup.add_argument("target", type=Path, help="the backup file to write (a new file)")
    script.add_arguments(command("sandbox-shipment", "script a carrier's answers for one tracking number"))
    sandbox_orders.add_arguments(command("sandbox-order", "add an order of your own to the sandbox"))
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        _command(args)
    except (CannotStart, ValidationError, SettingsError, PyMongoError) as problem:
        sys.exit("\n".join(explain(problem)))


def explain(problem: Exception) -> Iterator[str]:
    """One line per problem, never the value that was refused: a rejected value may be a secret."""
    match problem:
        case ValidationError() if problem.title == Settings.__name__:
            for location, message in _refusals(problem):
                yield " ".join([f"DISPUTES_{location[0].upper()}" if location else "settings", *location[1:]]) + (
                    f": {message}"
                )
        case ValidationError():
            yield from (f"{problem.title} {'.'.join(loc) or '(all)'}: {message}" for loc, message in _refusals(problem))
        case SecretFileError() | UnusableSetting():  # says which file, never what it holds
            yield str(problem)
        case SettingsError():  # a JSON setting that does not parse; its cause says where, not what
            field = re.search(r'field "(\w+)" from source "(\w+)"', str(problem))
            where = f"DISPUTES_{field[1].upper()}" + SOURCES.get(field[2], "") if field else ""
            yield f"{where or problem} cannot be read: {problem.__cause__ or 'not valid JSON'}"
        case InvalidName():  # the name the service gives its database; the driver's message does not repeat it
            yield f"DISPUTES_MONGODB_DATABASE: {problem}"
        case PyMongoError():
            yield f"MongoDB (DISPUTES_MONGODB_URI): {_mongo_reason(problem)}"
        case _:
            yield str(problem)


def _mongo_reason(error: PyMongoError) -> str:
    """The driver's message without what follows it: the servers it tried, or the server's whole reply."""
    return str(error).split(", Timeout:")[0].split(", full error:")[0]


def _refusals(error: ValidationError) -> Iterator[tuple[list[str], str]]:
    """Where each refused value was and why, without the value."""
    for detail in error.errors(include_url=False, include_context=False, include_input=False):
        yield [str(part) for part in detail["loc"]], detail["msg"].removeprefix("Value error, ")


def _check_carriers(settings: Settings) -> None:
    """Each carrier's settings in DISPUTES_CARRIERS, checked before anything starts and named by carrier (the
    app would refuse them too, once its database and sessions were up)."""
    for code, configured in settings.carriers.items():
        if (entry := CARRIERS.get(code)) is None:
            raise CannotStart(f"DISPUTES_CARRIERS: no carrier {code!r} (there are {', '.join(CARRIERS)}).")
        try:
            entry.settings.model_validate(configured, context={PLAIN_HTTP_TO: settings.plain_http_to})
        except ValidationError as refused:
            lines = (f"DISPUTES_CARRIERS {code} {'.'.join(loc) or '(all)'}: {why}" for loc, why in _refusals(refused))
            raise CannotStart("\n".join(lines)) from None


def _command(args: argparse.Namespace) -> None:
    if (env_file := Path(ENV_FILE)).is_file():  # said before it is read, so a refusal from it is placed
        print(f"settings: read {env_file.resolve()} (the environment wins over it)", file=sys.stderr, flush=True)
    try:
        unknown = list(unknown_variables())
        settings = None if unknown else Settings()
    except UnicodeDecodeError:  # the secrets directory's files are checked as they are read; this is the .env file
        raise CannotStart(f"{env_file.resolve()} is not UTF-8 text: save it as UTF-8.") from None
    if settings is None:  # pydantic-settings passes over them: a misspelt setting keeps its default
        raise CannotStart("\n".join(unknown))
    worker_id = settings.worker_id or default_worker_id()
    component = "api" if args.command == "serve" else args.command
    process = process_fields(component, worker_id if args.command == "worker" else None)
    configure_logging(settings.log_level, settings.log_json, once=True, process=process)
    match args.command:
        case "token":
            print(_token(settings, args))
        case "sandbox":
            _run(_sandbox(args.host, args.port, args.carriers_port, args.push_target, _signing_keys(settings)))
        case "serve":
            require_production_settings(settings, api=True)
            _check_carriers(settings)
            _run(_serve(settings))
        case "worker":
            require_production_settings(settings, api=False)
            _check_carriers(settings)
            workers = settings.model_copy(update={"run_workers": True, "worker_id": worker_id})
            _run(_serve(workers, api=False))
        case "embedded":
            _embedded_settings(settings)
            _check_carriers(settings)
            for host, port, setting in _embedded_addresses(settings):
                _ensure_free(host, port, setting)
            try:
                lock = DataDirLock(settings.data_dir)
            except DataDirBusy as busy:
                raise CannotStart(str(busy)) from None
            except DataDirUnusable as unusable:
                raise CannotStart(f"DISPUTES_DATA_DIR: {unusable}") from None
            _refuse_an_emptied_data_file(settings.data_dir)
            _run(_embedded(settings, lock))
        case "backup":
            _backup(settings.data_dir / DATA_FILE, args.target)
            print(f"backed up {settings.data_dir / DATA_FILE} to {args.target}")
        case "sandbox-shipment":
            carriers = args.sandbox or _loopback(settings.carrier_sandbox_port)
            status, answer = asyncio.run(script.send(carriers, script.shipment_from(args)))
            print(json.dumps(answer, ensure_ascii=False))
            sys.exit(0 if status == 201 else 1)
        case "sandbox-order":
            try:
                order, packing = sandbox_orders.order_from(args), sandbox_orders.packing_from(args)
            except ValidationError:
                raise
            except (ValueError, OSError) as error:
                raise CannotStart(str(error)) from None
            sandbox = args.sandbox or _loopback(settings.sandbox_port)
            status, answer = asyncio.run(sandbox_orders.send(sandbox, order, packing))
            print(json.dumps(answer, ensure_ascii=False))
            sys.exit(0 if status == 201 else 1)


def _embedded_settings(settings: Settings) -> None:
    """`disputes embedded` keeps its cases in its own database on DISPUTES_DATA_DIR: a setting that would have them
    elsewhere is refused rather than passed over (its banner would say where they are not)."""
    if settings.storage != "mongodb":
        raise CannotStart(f"DISPUTES_STORAGE={settings.storage}: `disputes embedded` keeps its cases in its own "
                          "database on DISPUTES_DATA_DIR; unset it (in-memory storage is for `disputes serve`).")
    if settings.mongodb_uri is not None:
        raise CannotStart("DISPUTES_MONGODB_URI is set: `disputes embedded` runs its own database on "
                          "DISPUTES_DATA_DIR; unset it, or run `disputes serve` against that database.")
    ports = {"DISPUTES_PORT": settings.port, "DISPUTES_SANDBOX_PORT": settings.sandbox_port,
             "DISPUTES_CARRIER_SANDBOX_PORT": settings.carrier_sandbox_port}
    if len(set(ports.values())) < len(ports):
        listed = ", ".join(f"{name}={port}" for name, port in ports.items())
        raise CannotStart(f"{listed}: `disputes embedded` serves the service and its two sandboxes on three "
                          "different ports; give each its own.")


def _loopback(port: int) -> str:
    """Where `disputes embedded` serves a sandbox on `port`."""
    return f"http://127.0.0.1:{port}"


def _port(text: str) -> int:
    """A TCP port, 1 to 65535, as the settings take one (a larger number would be bound modulo 65536)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: a whole number from 1 to 65535")
    return port


def _id(text: str) -> str:
    """An id as the API takes one in a token (a letter or digit, then up to 63 of letters, digits and `_.:-`)."""
    if not IDS.isinstance_python(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an id: a letter or digit, then up to 63 of letters, digits "
                                         "and '_.:-'")
    return text


def _token(settings: Settings, args: argparse.Namespace) -> str:
    most = settings.jwt_max_lifetime_hours
    if args.hours is not None and not 1 / 60 <= args.hours <= most:  # a token's times are whole seconds
        sys.exit(f"--hours must be at least a minute (0.0167) and at most {most:g} (DISPUTES_JWT_MAX_LIFETIME_HOURS).")
    customer = args.customer_id or (args.sub if args.role == Role.CUSTOMER else None)
    ttl = None if args.hours is None else timedelta(hours=args.hours)
    return HmacTokens.from_settings(settings).mint(args.sub, Role(args.role), customer, ttl)


def require_production_settings(settings: Settings, api: bool) -> None:
    if settings.mongodb_uri is None:
        raise CannotStart("DISPUTES_MONGODB_URI is not set. For the local all-in-one default run `disputes embedded`.")
    if api and settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET:  # a worker hands out no cursors
        raise CannotStart("DISPUTES_JWT_SECRET must be set to a secret of your own outside the embedded default: "
                          "the API signs its page cursors with it.")
    if api and (accepted := settings.jwt_accepted_secret) is not None and accepted.get_secret_value() == DEV_JWT_SECRET:
        raise CannotStart("DISPUTES_JWT_ACCEPTED_SECRET must not be the embedded default's published secret: the API "
                          "reads the page cursors signed with it as its own.")
    if settings.test_clocks:  # a case on a clock its customer advances could be steered to its default decision
        raise CannotStart("DISPUTES_TEST_CLOCKS is for the embedded default (sandbox) only.")
    if settings.console_dev_sign_in:  # anyone could sign in as staff
        raise CannotStart("DISPUTES_CONSOLE_DEV_SIGN_IN is for the embedded default (sandbox) only.")
    if settings.carrier_sandbox_url is not None and not settings.sandbox_carriers_allowed:
        raise CannotStart("DISPUTES_CARRIER_SANDBOX_URL gives each carrier DISPUTES_CARRIERS leaves out the sandbox's "
                          "published credentials, so anyone who reaches the service could push evidence as it: "
                          "configure the carriers in DISPUTES_CARRIERS, or, where the sandbox stands in for them, "
                          "set DISPUTES_SANDBOX_CARRIERS_ALLOWED=true as well.")
    if settings.sandbox_carriers_allowed and settings.carrier_sandbox_url is None:
        raise CannotStart("DISPUTES_SANDBOX_CARRIERS_ALLOWED is set without DISPUTES_CARRIER_SANDBOX_URL: it is for the "
                          "carrier sandbox only; with real carriers, remove it.")
    if api and settings.jwt_jwks_url is None:  # HS256 development tokens are for the embedded default only
        raise CannotStart("DISPUTES_JWT_JWKS_URL is not set: `disputes serve` verifies bearer tokens against the "
                          "identity provider's keys (development tokens are for `disputes embedded` only).")
    if api and not (settings.orders_url or settings.orders_file):
        raise CannotStart("DISPUTES_ORDERS_URL (or DISPUTES_ORDERS_FILE) is not set: the API reads orders from it.")
    missing = [f"DISPUTES_{name.upper()}" for name in RELAY_TARGETS if getattr(settings, name) is None]
    if missing and (settings.run_workers or not api):
        raise CannotStart(
            f"{', '.join(missing)} not set: the workers deliver outcomes there"
            + (" (DISPUTES_RUN_WORKERS=false keeps the workers out of the API)." if api else ".")
        )
    if settings.effects_signing_secret.get_secret_value() == DEVELOPMENT_SECRET and (settings.run_workers or not api):
        raise CannotStart("DISPUTES_EFFECTS_SIGNING_SECRET is not set: the workers sign what they deliver with the "
                          "secret shared with the marketplace's services (the development key is for the embedded "
                          "default only).")


def _run(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stopping, stop, sig)
        await main(stop)

    asyncio.run(runner(), loop_factory=_loop_factory())


def _stopping(stop: asyncio.Event, sig: signal.Signals) -> None:
    """Told to stop: said once, so that a log that ends without `stopped` reads as a stop that did not finish."""
    if not stop.is_set():
        structlog.get_logger("cli").info("stopping", signal=sig.name)
    stop.set()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (measured faster in bench/), the standard loop elsewhere."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _signing_keys(settings: Settings) -> dict[str, str]:
    """The sandbox's services verify messages with the keys this configuration signs them with."""
    keys = [(settings.effects_signing_key_id, settings.effects_signing_secret)]
    keys += [settings.effects_signing_previous] if settings.effects_signing_previous else []
    return {key_id: secret.get_secret_value() for key_id, secret in keys}


def _sandbox(
    host: str, port: int, carriers_port: int, push_target: str | None, signing_keys: dict[str, str]
) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def run(stop: asyncio.Event) -> None:
        now = datetime.now(UTC)
        downstream = await _listening(
            serve_downstream_sandbox(host, port, demo_orders(now), digital=DEMO_DIGITAL, signing_keys=signing_keys),
            host, port, "--port",
        )
        carriers = await _listening(
            serve_carrier_sandbox(host, carriers_port, demo_shipments(now), push_target),
            host, carriers_port, "--carriers-port",
        )
        print(f"sandbox: downstream services on http://{host}:{port}, carriers on http://{host}:{carriers_port}", flush=True)
        await stop.wait()
        await carriers.cleanup()
        await downstream.cleanup()

    return run


def _serve(
    settings: Settings, api: bool = True, announce: Callable[[], str] | None = None
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The API on `port`, or (`api=False`) the workers with their operations endpoints on `worker_port`. Where it
    listens is a log line like every other (JSON, in production), unless `announce` writes it for a person. Once
    stopped (its connections closed as their requests are answered, its workers' work in flight finished), it logs
    `stopped`: the connections open when it began stopping, the requests it served, and how long stopping took."""

    async def run(stop: asyncio.Event) -> None:
        runner = web.AppRunner(create_app(settings, api=api), **server_options(settings))
        await runner.setup()
        gc.freeze()  # what start-up built lives as long as the process: the collector stops rescanning it
        port = settings.port if api else settings.worker_port
        if stop.is_set():  # told to stop while starting: it never listens
            await runner.cleanup()
            structlog.get_logger("cli").info("stopped", connections=0, requests=0, duration_ms=0.0)
            return
        try:
            await _listening(web.TCPSite(runner, settings.host, port).start(), settings.host, port,
                             "DISPUTES_PORT" if api else "DISPUTES_WORKER_PORT")
        except CannotStart:
            await runner.cleanup()
            raise
        if announce:
            print(announce(), flush=True)
        else:
            structlog.get_logger("cli").info("listening", url=f"http://{settings.host}:{port}")
        try:
            await stop.wait()
            stopping, server = time.monotonic(), runner.server
            connections = len(server.connections) if server else 0
        finally:
            await runner.cleanup()
        structlog.get_logger("cli").info(
            "stopped", connections=connections, requests=server.requests_count if server else 0,
            duration_ms=round((time.monotonic() - stopping) * 1000, 2),
        )

    return run


def _backup(database: Path, target: Path) -> None:
    """SQLite's `VACUUM INTO`: one read of the database as of a moment (its log of recent writes included), written
    as a new file; the running service goes on writing meanwhile. It holds every case's personal data: it is written
    in a folder of its own beside `target`, made readable by its owner only, then linked in as `target`, which
    refuses any name already taken (a link to elsewhere too), so it is never written anywhere but as a new file."""
    if not database.is_file() or database.stat().st_size == 0:
        raise CannotStart(f"DISPUTES_DATA_DIR: there is no database at {database} to back up.")
    if target.is_symlink() or target.exists():
        raise CannotStart(f"{target} exists: name a new file for the backup.")
    try:
        with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as folder:  # its owner's only
            written = Path(folder) / target.name
            with contextlib.closing(sqlite3.connect(database, timeout=30)) as source:
                source.execute("VACUUM INTO ?", (str(written),))
            written.chmod(0o600)
            os.link(written, target)
    except FileExistsError:
        raise CannotStart(f"{target} exists: name a new file for the backup.") from None
    except (sqlite3.Error, OSError) as error:
        raise CannotStart(f"{database} could not be backed up to {target}: {error}") from None


def _refuse_an_emptied_data_file(data_dir: Path) -> None:
    """An empty data file in a directory that has held cases (its orders are written once the database has started)
    is a failed copy or restore, not a first start: starting would answer every earlier case 404 without a word."""
    database = data_dir / DATA_FILE
    if database.is_file() and database.stat().st_size == 0 and (data_dir / ORDERS_FILE).is_file():
        raise CannotStart(
            f"DISPUTES_DATA_DIR: {database} is empty, but this directory has held cases ({ORDERS_FILE} is there): "
            "restore the file from a backup (docs/operations.md), or remove it to start with no cases."
        )


def _embedded(settings: Settings, lock: DataDirLock) -> Callable[[asyncio.Event], Awaitable[None]]:
    async def run(stop: asyncio.Event) -> None:
        data_dir = settings.data_dir
        orders_file = data_dir / ORDERS_FILE
        mongo = EmbeddedMongo(data_dir, lock=lock)
        mongo.launch()
        try:
            uri = await asyncio.to_thread(mongo.wait_ready)
        except DidNotStart as failed:
            raise CannotStart(f"DISPUTES_DATA_DIR: the embedded database did not start: {failed}") from None
        now = datetime.now(UTC)
        try:  # the demo orders are written once the database is known to start
            orders, journey = _seeded(orders_file, now)
            demo = demo_shipments(now)
            scripts = _carrier_scripts(data_dir / "carrier-scripts.json", now, frozenset(s.key for s in demo))
        except CannotStart:
            await asyncio.to_thread(mongo.stop)
            raise
        supervisor = asyncio.create_task(mongo.supervise(stop))
        sandbox = await _listening(
            serve_downstream_sandbox(
                "127.0.0.1", settings.sandbox_port, orders, orders_file, digital=DEMO_DIGITAL,
                signing_keys=_signing_keys(settings),
            ),
            "127.0.0.1", settings.sandbox_port, "DISPUTES_SANDBOX_PORT",
        )
        sandbox_url = f"http://127.0.0.1:{settings.sandbox_port}"
        service_url = f"http://{settings.host}:{settings.port}"
        carriers = await _listening(
            serve_carrier_sandbox("127.0.0.1", settings.carrier_sandbox_port, demo, service_url, scripts=scripts),
            "127.0.0.1", settings.carrier_sandbox_port, "DISPUTES_CARRIER_SANDBOX_PORT",
        )
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
        except InvalidName:
            raise  # DISPUTES_MONGODB_DATABASE, as `explain` names it
        except PyMongoError as refused:  # at start-up: once it serves, requests and workers answer for the database
            raise CannotStart(f"DISPUTES_DATA_DIR: the embedded database on {data_dir}: {_mongo_reason(refused)}") from None
        finally:
            stop.set()
            await carriers.cleanup()
            await sandbox.cleanup()
            await asyncio.to_thread(mongo.stop)
            await supervisor

    return run


def _seeded(orders_file: Path, now: datetime) -> tuple[dict[str, Any], Journey]:
    try:
        return seed_orders(orders_file, now)
    except OSError as error:  # a full disk, or something else in the file's place
        raise CannotStart(f"DISPUTES_DATA_DIR: {orders_file}: {error.strerror or error}") from None
    except ValidationError as error:  # edited by hand, or left half-written by something else
        reason = error.errors(include_url=False, include_input=False)[0]["msg"]
        raise CannotStart(f"DISPUTES_DATA_DIR: {orders_file}: not an orders document ({reason}); move it "
                          "away and the demo orders are written again") from None


def _carrier_scripts(path: Path, now: datetime, demo: frozenset[tuple[str, str]]) -> Scripts:
    """What was scripted in the carrier sandbox before the restart, kept in `path`, but for the `demo` numbers."""
    try:
        return Scripts.kept_in(path, now, demo)
    except OSError as error:
        raise CannotStart(f"DISPUTES_DATA_DIR: {path}: {error.strerror or error}") from None
    except ValueError:  # not JSON, or not shipments (edited by hand)
        raise CannotStart(f"DISPUTES_DATA_DIR: {path}: not a shipments document; move it away and the carriers' "
                          "scripts start empty") from None


async def _listening[T](start: Awaitable[T], host: str, port: int, setting: str) -> T:
    """`start` binds `host:port`; a port that is taken (or an address that is not this machine's) is a
    `CannotStart` naming the setting that chose it."""
    try:
        return await start
    except OSError as error:
        raise CannotStart(_cannot_listen(host, port, setting, error)) from None


def _embedded_addresses(settings: Settings) -> list[tuple[str, int, str]]:
    return [
        (settings.host, settings.port, "DISPUTES_PORT"),
        ("127.0.0.1", settings.sandbox_port, "DISPUTES_SANDBOX_PORT"),
        ("127.0.0.1", settings.carrier_sandbox_port, "DISPUTES_CARRIER_SANDBOX_PORT"),
    ]


def _ensure_free(host: str, port: int, setting: str) -> None:
    """Refuse a taken port before the embedded default starts its database, rather than seconds later."""
    try:
        with socket.create_server((host, port)):  # SO_REUSEADDR, as aiohttp binds
            pass
    except OSError as error:
        raise CannotStart(_cannot_listen(host, port, setting, error)) from None


def _cannot_listen(host: str, port: int, setting: str, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"Port {port} on {host} is already in use by another program: stop it, or choose another port with {setting}."
    reason = os.strerror(error.errno) if isinstance(error.errno, int) and error.errno > 0 else error.strerror or error
    return f"Cannot listen on {host}:{port} ({setting}): {reason}."


async def _seed_staff(settings: Settings) -> None:
    assert settings.mongodb_uri is not None
    client = connect(settings.mongodb_uri, timeout_seconds=settings.mongodb_timeout_seconds)
    try:
        await seed_staff(MongoStaffDirectory(client[settings.mongodb_database]))
    finally:
        await client.close()


if __name__ == "__main__":
    main()
