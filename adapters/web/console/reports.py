"""The carrier and SLA reports as charts, from the same report queries the API's report endpoints run."""

from dataclasses import replace
from datetime import date, timedelta
from functools import partial

from aiohttp import web

from adapters.web.console.drawing import BarChart, LineChart, bar_chart, share_line
from adapters.web.console.i18n import in_language, language, percent, translator
from adapters.web.console.queue import DAYS, LOCAL_DAYS
from adapters.web.console.session import page, render
from adapters.web.keys import SERVICE
from adapters.web.reports_api import MAX_DAYS, REPORTS
from disputes.actors import Actor
from disputes.notices import ISTANBUL
from disputes.policy.wording import currency_words, money
from disputes.ports import CarrierFigures, Reports

DEFAULT_WEEKS = 8
OUTCOMES = ("refund", "reship", "rejected")


def period(request: web.Request, today: date) -> tuple[date, date] | str:
    """The report's days, the first and the last both included, from the query (ISO dates) or the eight weeks to
    today; or, when they cannot be, the word that says why. As the queue's dates, each is a whole day in the SLA
    calendar's zone (Europe/Istanbul)."""
    try:
        last = _day(request, "to", today)
        first = _day(request, "from", last - timedelta(weeks=DEFAULT_WEEKS, days=-1))
    except ValueError:
        return "period_not_a_date"
    except OverflowError:  # eight weeks before the first day there is
        return "period_out_of_range"
    if first < DAYS[0] or last > DAYS[1]:
        return "period_out_of_range"
    if last < first:
        return "period_reversed"
    return (first, last) if (last - first).days < MAX_DAYS else "period_too_long"


def _day(request: web.Request, name: str, default: date) -> date:
    typed = request.query.get(name)
    return date.fromisoformat(typed) if typed else default


def decisions_chart(figures: list[CarrierFigures]) -> BarChart:
    """Every decision per carrier by outcome, as the API's carrier report counts them: on whole-package claims and,
    counted apart there, on missing-item claims."""
    return bar_chart([(f.carrier, [_decided(f, o) for o in OUTCOMES]) for f in figures], total_text="{:.0f}".format)


def _decided(figures: CarrierFigures, outcome: str) -> tuple[str, float, str]:
    count = figures.outcomes.get(outcome, 0) + figures.partial_outcomes.get(outcome, 0)
    return outcome, float(count), str(count)


def proof_chart(figures: list[CarrierFigures], lang: str) -> list[tuple[str, BarChart]]:
    """One chart per kind of proof: the share of each carrier's disputes that had it."""
    kinds = (("with_signature", "share_with_signature"), ("with_photo", "share_with_photo"),
             ("with_location", "share_with_location"))
    return [(key, bar_chart([(f.carrier, [(key, getattr(f, name), "")]) for f in figures], maximum=1.0,
                            total_text=partial(percent, lang=lang))) for key, name in kinds]


def liability_charts(figures: list[CarrierFigures], lang: str) -> list[tuple[str, BarChart]]:
    """One chart per currency owed in (no rate turns one into another): what each carrier owes in it for the
    liabilities incurred in the period."""
    currencies = sorted({currency for f in figures for currency in f.liabilities})
    return [(in_language(currency_words(currency), lang), _owed_in(currency, figures, lang)) for currency in currencies]


def _owed_in(currency: str, figures: list[CarrierFigures], lang: str) -> BarChart:
    """The bars' lengths scale floats; the amounts are written from the exact sums, as the language writes money."""
    owed = [(f.carrier, f.liabilities[currency]) for f in figures if currency in f.liabilities]
    chart = bar_chart([(carrier, [("liability", minor / 100, "")]) for carrier, minor in owed])
    written = (in_language(money(minor, currency), lang) for _, minor in owed)
    return replace(chart, bars=tuple(replace(bar, total_text=text) for bar, text in zip(chart.bars, written, strict=True)))


async def sla_over_time(reports: Reports, first: date, last: date, lang: str) -> LineChart:
    """The share decided within the SLA, week by week, each named by the day it starts as the console writes dates."""
    weeks = []
    week, end = first, last + timedelta(days=1)
    while week < end:
        until = min(week + timedelta(weeks=1), end)
        figures = await reports.sla(LOCAL_DAYS.start_of(week), LOCAL_DAYS.start_of(until))
        weeks.append((f"{week:%d.%m.%Y}", figures.within_sla / figures.decided if figures.decided else None))
        week = until
    return share_line(weeks, partial(percent, lang=lang))


@page
async def reports(request: web.Request, actor: Actor) -> web.Response:
    lang = language(request)
    chosen = period(request, request.app[SERVICE].clock.now().astimezone(ISTANBUL).date())
    if isinstance(chosen, str):
        why = translator(lang)(chosen).format(first=DAYS[0], last=DAYS[1], days=MAX_DAYS)
        context = {"error": "invalid", "errors": [why], "start": None, "end": None}
        return render(request, "reports.html", context, actor, status=422)
    first, last = chosen
    source = request.app[REPORTS]
    figures = await source.carriers(LOCAL_DAYS.start_of(first), LOCAL_DAYS.start_of(last + timedelta(days=1)))
    return render(request, "reports.html", {
        "error": None, "start": first, "end": last, "figures": figures,
        "decisions": decisions_chart(figures), "proof": proof_chart(figures, lang),
        "liability": liability_charts(figures, lang), "sla": await sla_over_time(source, first, last, lang),
    }, actor)
