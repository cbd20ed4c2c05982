"""One server of the benchmark, in its own process: the service, the bare aiohttp baseline, or the sandboxes.

    python -m bench.server CONFIG.json

prints ``ready <port> <control port>`` once it listens on 127.0.0.1, and stops on SIGTERM. The control
port (a separate tiny app, never the measured one) answers the benchmark driver:

    GET  /stats           {"cpu": seconds of CPU this process used, "commands": {name: n}, "failed": {...}}
    POST /reset           forget the database commands counted so far
    POST /profile/start   start cProfile on the event loop's thread
    POST /profile/stop?path=...   stop it and write the pstats file

Database round trips are counted with a PyMongo ``CommandListener`` registered globally *before* the app
builds its ``AsyncMongoClient`` (``pymongo.monitoring.register`` applies to every client created after it),
so the service runs unchanged, with its own client, indexes and evidence store.
"""

import asyncio
import cProfile
import gc
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

READY = "ready "


class CommandCounter:
    def __init__(self) -> None:
        self.started: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()

    def install(self) -> None:
        from pymongo import monitoring

        counter = self

        class Listener(monitoring.CommandListener):
            def started(self, event: monitoring.CommandStartedEvent) -> None:
                counter.started[event.command_name] += 1

            def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
                pass

            def failed(self, event: monitoring.CommandFailedEvent) -> None:
                counter.failed[event.command_name] += 1

        monitoring.register(Listener())


def baseline_app(config: dict[str, Any]) -> web.Application:
    """The bare aiohttp handler every throughput figure is divided by; with ``middlewares``, the same handler
    behind the service's edge, as the service puts each of its routes, and production logging: what the service
    pays per request before any of its endpoints runs."""

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": "baseline"})

    app = web.Application()
    if not config.get("middlewares"):
        app.router.add_get("/baseline", hello)
        return app
    from adapters.settings import Settings
    from adapters.web.edge import EdgeRoutes
    from adapters.web.keys import BODY_TIMEOUT

    _production_logging(config)
    app[BODY_TIMEOUT] = Settings(_env_file=None).body_timeout_seconds  # type: ignore[call-arg]
    routes = EdgeRoutes(app)
    routes.get("/baseline", hello)
    routes.close()
    return app


def _production_logging(config: dict[str, Any]) -> None:
    """Production logging (JSON, INFO, one line per request), into a file instead of stderr."""
    from adapters.observability import configure_logging

    log = open(config["log_file"], "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    configure_logging("INFO", json=True, stream=log, once=True)


def service_app(config: dict[str, Any]) -> web.Application:
    from adapters.bootstrap import create_app
    from adapters.settings import Settings

    _production_logging(config)
    settings = Settings(_env_file=None, **config["settings"])  # type: ignore[call-arg]
    return create_app(settings)


def control_app(commands: CommandCounter) -> web.Application:
    profiler: list[cProfile.Profile] = []

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {"cpu": time.process_time(), "commands": dict(commands.started), "failed": dict(commands.failed)}
        )

    async def reset(request: web.Request) -> web.Response:
        commands.started.clear()
        commands.failed.clear()
        return web.json_response({"cpu": time.process_time()})

    async def profile_start(request: web.Request) -> web.Response:
        profile = cProfile.Profile(time.process_time)  # CPU time: what other processes on the machine do not change
        profiler[:] = [profile]
        profile.enable()
        return web.Response(status=204)

    async def profile_stop(request: web.Request) -> web.Response:
        profile = profiler.pop()
        profile.disable()
        profile.dump_stats(request.query["path"])
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    app.router.add_post("/profile/start", profile_start)
    app.router.add_post("/profile/stop", profile_stop)
    return app


async def _listen(app: web.Application) -> tuple[web.AppRunner, int]:
    from adapters.settings import Settings
    from adapters.web.limits import server_options

    # As `disputes serve` runs it, with the default limits (the baseline too, so both are served alike).
    runner = web.AppRunner(app, **server_options(Settings(_env_file=None)))  # type: ignore[call-arg]
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


async def _sandboxes(config: dict[str, Any]) -> tuple[list[web.AppRunner], int]:
    """The downstream sandbox and the carrier sandbox; the port printed is the downstream one, the carrier
    sandbox's goes to stdout as a second line ``carriers <port>``."""
    from sandbox.carriers import create_carrier_sandbox, shipments_from
    from sandbox.carriers.state import PUSH
    from sandbox.downstream import create_downstream_sandbox
    from datetime import UTC, datetime

    downstream, port = await _listen(create_downstream_sandbox(config.get("orders")))
    shipments = shipments_from({"shipments": config.get("shipments", [])}, datetime.now(UTC))
    carriers_app = create_carrier_sandbox(shipments)
    carriers, carriers_port = await _listen(carriers_app)
    carriers_app[PUSH].origin = f"http://127.0.0.1:{carriers_port}"  # the links carriers give to their images
    print(f"carriers {carriers_port}", flush=True)
    return [downstream, carriers], port


async def main(config: dict[str, Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    commands = CommandCounter()
    if config.get("count_commands"):
        commands.install()
    kind = config["kind"]
    if kind == "sandboxes":
        runners, port = await _sandboxes(config)
    else:
        runner, port = await _listen(baseline_app(config) if kind == "baseline" else service_app(config))
        runners = [runner]
    control, control_port = await _listen(control_app(commands))
    gc.freeze()  # as `disputes serve` does after start-up (the baseline too, so both are served alike)
    print(f"{READY}{port} {control_port}", flush=True)
    try:
        await stop.wait()
    finally:
        for runner in (control, *runners):
            await runner.cleanup()


def run() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    if config.get("loop") == "uvloop":
        import uvloop  # type: ignore[import-not-found,unused-ignore]  # not in the lock; optional

        asyncio.run(main(config), loop_factory=uvloop.new_event_loop)
    else:
        asyncio.run(main(config))


if __name__ == "__main__":
    run()
