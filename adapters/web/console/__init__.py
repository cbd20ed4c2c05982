"""The investigators' console at /console: server-rendered pages over the same use cases as the API."""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from jinja2.runtime import Context
from markupsafe import Markup

from adapters.settings import Settings
from adapters.web.auth import HmacTokens
from adapters.web.console import case, queue, reports, signin
from adapters.web.console.i18n import in_language, percent
from adapters.web.console.session import CONFIG, PATH, ConsoleConfig, posted
from adapters.web.edge import EdgeRoutes, Refused
from disputes.notices import ISTANBUL
from disputes.policy.wording import distance, money

HERE = Path(__file__).parent
ONE = PATH + "/disputes/{id:[^/]+}"
DIRECTION_CONTROLS = {code: f"[U+{code:04X}]" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
"""Embeddings, overrides and isolates: in a name or a statement they would turn the page's own words after
them around ("\u202egnp.exe" reads "exe.png"), so they are shown, not obeyed."""


def setup_console(
    app: web.Application, routes: EdgeRoutes, settings: Settings, gate: Callable[[Handler], Handler],
    form_gate: Callable[[Handler], Handler], refused: Refused,
) -> None:
    """The console's pages and forms, each of them (all but its static files) behind `gate` (a form behind `form_gate`):
    the limit of people's requests in flight and (on MongoDB) storage's set-up, answering 503 as the API does; a form
    takes its place once it is read (`checked_form`), and one finding no room as it arrives (`refused`) is answered so
    before its body is invited."""
    app[CONFIG] = ConsoleConfig(HmacTokens.from_settings(settings) if settings.console_dev_sign_in else None)
    env = aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=_shown,
    )
    env.filters["when"] = _when
    env.filters["due"] = _due
    env.filters["money"] = _money
    env.filters["percent"] = _percent
    env.filters["distance"] = _distance
    routes.get(PATH, gate(queue.queue))
    routes.get(PATH + "/disputes.csv", gate(queue.export))
    routes.get(PATH + "/sign-in", gate(signin.sign_in_page))
    routes.get(PATH + "/dev-sign-in", gate(signin.dev_sign_in_page))
    routes.get(PATH + "/reports", gate(reports.reports))
    routes.get(ONE, gate(case.case))
    routes.get(ONE + "/attachments/{ref:[^/]+}", gate(case.attachment))
    for path, handler in (
        ("/sign-in", signin.sign_in), ("/dev-sign-in", signin.dev_sign_in), ("/sign-out", signin.sign_out),
        ("/language", signin.choose_language),
    ):
        routes.post(PATH + path, form_gate(posted(handler)), refused)
        if path in ("/sign-out", "/language"):
            routes.get(PATH + path, _to_queue)
    for name, form_handler in (
        ("take", case.take), ("assign", case.assign), ("release", case.release), ("notes", case.add_note),
        ("messages", case.message_customer), ("questions", case.ask_customer), ("decision", case.decide),
        ("evidence-requests", case.request_evidence), ("flags/clear", case.clear_flags), ("reopen", case.reopen),
        ("restriction/review", case.review_restriction), ("customer-evidence/remove", case.remove_submission),
        ("effects/resend", case.resend_effect),
    ):
        routes.post(f"{ONE}/{name}", form_gate(posted(form_handler)), refused)
        routes.get(f"{ONE}/{name}", _to_case)
    routes.files(PATH + "/static", HERE / "static")


async def _to_case(request: web.Request) -> web.Response:
    """A form's address asked for as a page (reloaded, reopened, bookmarked after a refused form left it in the address
    bar): the case it belongs to, nothing sent again."""
    raise web.HTTPSeeOther(f"{PATH}/disputes/{quote(request.match_info['id'], safe='')}")


async def _to_queue(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther(PATH)


def _shown(value: Any) -> Any:
    """Every value a page prints, as text that cannot reorder what follows it (markup is escaped after this)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return value.translate(DIRECTION_CONTROLS)
    return value


ZONE = {"tr": "TSİ", "en": "Istanbul"}
"""How a time's zone is named after it: Turkish time, which the marketplace, its customers and its staff live by."""


@jinja2.pass_context
def _when(context: Context, value: datetime | None) -> str:
    """An instant in Istanbul's time, as the customer's messages write dates: "06.12.2026 05:30 TSİ"."""
    return f"{value.astimezone(ISTANBUL):%d.%m.%Y %H:%M} {_zone(context)}" if value else "—"


@jinja2.pass_context
def _due(context: Context, value: datetime | None) -> str:
    """A deadline: one at midnight is the end of the day before ("20.11.2026 24:00 TSİ"), the day the customer was
    promised; another (13:00 on a half-day eve) as the instant it is."""
    if value is None:
        return "—"
    local = value.astimezone(ISTANBUL)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return _when(context, value)
    return f"{local - timedelta(days=1):%d.%m.%Y} 24:00 {_zone(context)}"


def _zone(context: Context) -> str:
    return ZONE.get(context["lang"], ZONE["en"])


@jinja2.pass_context
def _money(context: Context, minor: int, currency: str = "TRY") -> str:
    """An amount as the page's language writes it (`money`): "4,999.00 TRY", "4.999,00 TL"."""
    return in_language(money(minor, currency), context["lang"])


@jinja2.pass_context
def _distance(context: Context, metres: float) -> str:
    """A distance as the findings state it, in the page's language (`distance`): "1,800 m", "1.800 m"."""
    return in_language(distance(metres), context["lang"])


@jinja2.pass_context
def _percent(context: Context, share: float) -> str:
    return percent(share, context["lang"])
