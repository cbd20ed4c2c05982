"""The case page and its forms. Every form calls the same use case the API's handler for it calls; the
page is rendered again with the outcome (a redirect to it when the change was made, the form kept and the
reason shown when it was not). The page names the version it shows (a weak ETag); asked again with If-None-Match
naming it, it answers 304 while the case is still at it: how the page's script (static/console.js) tells that the
case changed."""

import base64
from copy import deepcopy
from collections.abc import Awaitable, Callable, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Literal
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel, TypeAdapter, ValidationError

from adapters.web.byte_ranges import none_match
from adapters.web.console.drawing import DeliveryMap, delivery_map
from adapters.web.console.i18n import PROBLEMS_TR, language
from adapters.web.console.session import NO_STORE, action, page, reasons, render, see_other
from adapters.web.evidence_api import EVIDENCE, attachment_response
from adapters.web.keys import ASSIGNMENTS, SERVICE, STAFF_DIRECTORY
from adapters.web.problems import DOMAIN_STATUS
from adapters.web.pushes_api import PUSHES, pushed_event
from adapters.web.views import compensated_lines
from disputes import errors as domain
from disputes.actors import Actor
from disputes.calendar import BeyondCalendar
from disputes.evidence_access import VIEWED
from disputes.model import AUTOMATIC, COMPENSATIONS, RULE_REASONS, Dispute
from disputes.policy.geo import located
from disputes.rules import Rules
from disputes.service import DisputeService, take_off
from disputes.sla import answer_by, business_calendar
from schemas.api import (
    Assign, ClearFlags, CustomerMessage, DecisionRequest, Note, RemoveSubmission, Reopen, ResendEffect,
    RestrictionReview,
)
from schemas.common import Id, Outcome, RefundDestination, Role
from schemas.conversation import AskCustomer
from schemas.digital import DigitalDelivery
from schemas.dispute import EffectKind, ParkReason, ReasonCode, TimelineEntry
from schemas.proof import Attachment, DeletedAttachment, ProofOfDelivery, ProofSource
from schemas.staff import StaffMember

ID = TypeAdapter(Id)
DRAWN = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
"""Images every browser draws; any other file (a TIFF, a PDF, a carrier's HTML letter) is linked, to open or save."""
VERSION_DIGITS = 18  # a version is an int64 in storage
SUGGESTED_STAFF = 100  # the directory's first page; any other member's id can be typed
SHOWN_PUSHES = 20  # the latest pushes for the parcel; GET /v1/pushes pages through them all
MESSAGE_ACTIONS = frozenset(
    {"customer_message", "contact_logged", "staff_message", "information_requested", "information_added", "appealed"}
)


@dataclass(frozen=True)
class Image:
    kind: str
    src: str | None  # None: the carrier keeps it (a URL of theirs, not fetched from the browser), or it was deleted
    picture: bool  # shown inline; otherwise (a PDF or HTML proof letter) linked, for the browser's own viewer
    deleted: bool  # deleted under retention: said instead
    link: str | None = None  # the carrier's https address of what it keeps: opened in a tab of its own, not drawn


@dataclass(frozen=True)
class Proof:
    anchor: str
    proof: ProofOfDelivery
    images: tuple[Image, ...]
    reply: str | None = None
    """A pulled proof's raw reply from the carrier, to download (a push's may hold other shipments: not offered)."""


@dataclass
class CaseForm:
    """What the decision form shows: the recommendation's outcome, or what the person sent. `lines` (missing-item
    claims, digital orders): per claimed line, its outcome ('' for the decision's) and how many, as text."""

    outcome: str = ""
    reason_code: str = ""
    note: str = ""
    refund_to: str = ""
    override_reason: str = ""
    errors: list[str] = field(default_factory=list)
    lines: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Changes:
    """What happened to the case after the version the person decided on."""

    seen_version: int
    entries: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class LineRecord:
    """A digital order's line with the provider's latest delivery record of it (None: none received yet)."""

    sku: str
    name: str
    record: DigitalDelivery | None


@dataclass(frozen=True)
class Compensation:
    """A decision's refund or reshipment message (its key names the decision and, for a line, the SKU) and what became
    of it: `taken` by payments or fulfillment (`taken_at`, with their own id for it when their answer named one:
    `reference`), on its way, or `parked` (why, where known)."""

    kind: EffectKind
    key: str
    state: Literal["taken", "on_its_way", "parked"]
    taken_at: datetime | None = None
    reference: str | None = None
    reason: ParkReason | None = None


def compensations(dispute: Dispute) -> list[Compensation]:
    """The decisions' refunds and reshipments: those their service took, those on their way, then those set aside. The
    relay moves them with no new version, so every reading of the page tells them as they are."""
    return [
        *(Compensation(e.kind, e.key, "taken", e.delivered_at, e.reference) for e in dispute.effects_delivered
          if e.kind in COMPENSATIONS),
        *(Compensation(m.kind, m.key, "on_its_way") for m in dispute.outbox if m.kind in COMPENSATIONS),
        *(Compensation(m.kind, m.key, "parked", reason=m.parked) for m in dispute.effects_parked
          if m.kind in COMPENSATIONS),
    ]


def attachment_src(dispute_id: str, attachment: Attachment) -> str | None:
    if attachment.ref is not None:
        return f"/console/disputes/{dispute_id}/attachments/{attachment.ref}"
    if attachment.content_b64 is not None and attachment.media_type in DRAWN:
        return f"data:{attachment.media_type};base64,{base64.b64encode(attachment.content()).decode()}"
    return None


def carrier_link(attachment: Attachment | None) -> str | None:
    """The carrier's https address of a proof it keeps (DHL Express's ePOD page, a partner's `url`): the investigator
    opens it from the page, in a tab of its own that is told nothing of the console (`rel="noopener noreferrer"`). The
    page draws none of it (its images come from the service alone), and a plain http address is not offered."""
    url = str(attachment.url) if attachment is not None and attachment.url is not None else None
    return url if url is not None and urlsplit(url).scheme == "https" else None


def _picture(kind: str, media_type: str | None) -> bool:
    return media_type in DRAWN if media_type else kind != "document"


def proofs(dispute: Dispute) -> list[Proof]:
    shown = []
    for index, evidence in enumerate(dispute.evidence, 1):
        p = evidence.proof
        images = tuple(
            Image(kind, attachment_src(dispute.id, a), _picture(kind, a.media_type), isinstance(a, DeletedAttachment),
                  carrier_link(a))
            for kind, a in (("signature", p.signature), ("photo", p.photo), ("document", p.document)) if a is not None
        )
        pulled = p.raw_ref is not None and p.source is ProofSource.PULL
        reply = f"/console/disputes/{dispute.id}/attachments/{p.raw_ref}" if pulled else None
        shown.append(Proof(f"evidence-{index}", p, images, reply))
    return shown


def delivery_records(dispute: Dispute) -> list[LineRecord]:
    """A digital order's evidence: per line of the order, the provider's record of sending its code or link (where to,
    as the provider masks it, when, opened, activated), or none yet. A parcel has none: its carrier's proof is shown."""
    if not dispute.order.is_digital:
        return []
    records = {r.sku: r for r in dispute.digital_deliveries}
    return [LineRecord(item.sku, item.name, records.get(item.sku)) for item in dispute.order.items]


def the_map(dispute: Dispute) -> DeliveryMap | None:
    """The delivery scan of the proof the findings read (`Dispute.delivery_proof`: the carrier's latest statement by
    its own time, not the last to arrive) drawn against the order's address; none when either has no coordinates
    that place it (missing, or 0, 0: `located`, as the recommendation reads them)."""
    address, read = dispute.order.address, dispute.delivery_proof
    where = read.proof.location if read is not None else None
    if where is None or (home := located(address.lat, address.lon)) is None:
        return None
    if (scan := located(where.lat, where.lon)) is None:
        return None
    return delivery_map(home, scan, where.accuracy_m)


def prefilled(dispute: Dispute) -> CaseForm:
    r = dispute.recommendation
    outcome = AUTOMATIC.get(r.action) if r else None
    if outcome is None and r is not None and r.lines:  # a missing-item claim shown in part: the rest is the person's
        outcome = dispute.for_the_customer
    lines = recommended_lines(dispute, outcome)
    if outcome is None or _pays_nothing(dispute, outcome, lines) or _paid_already(dispute, outcome):
        return CaseForm(lines=recommended_lines(dispute, None))
    reason = (RULE_REASONS.get(r.rule) if r else None) or _reason_for(dispute, outcome)
    return CaseForm(outcome.value, reason.value, lines=lines)


def _reason_for(dispute: Dispute, outcome: Outcome) -> ReasonCode:
    """The reason of `outcome` on this kind of claim, when the recommendation's rule gives none (a person weighs the
    customer's new evidence, say): no carrier is liable for a code or link, nor for what a package lacked."""
    if outcome is Outcome.REJECTED:
        return dispute.rejection_reason
    if dispute.order.is_digital:
        return ReasonCode.DIGITAL_NOT_DELIVERED
    return ReasonCode.ITEMS_MISSING if dispute.partial else ReasonCode.CARRIER_NO_PROOF


def _pays_nothing(dispute: Dispute, outcome: Outcome, lines: dict[str, tuple[str, str]]) -> bool:
    """A refund or reship of a claim decided line by line (items missing, or a digital order's codes) that would reject
    every line left: earlier decisions paid all the evidence shows undelivered, so the person weighs the rest."""
    rejected = Outcome.REJECTED.value
    by_line = dispute.partial or dispute.order.is_digital
    return by_line and outcome is not Outcome.REJECTED and all(o == rejected for o, _ in lines.values())


def _paid_already(dispute: Dispute, outcome: Outcome) -> bool:
    """A refund or reship of a case whose every unit a decision already refunded or reshipped (a parcel refunded, then
    reopened): the domain refuses it, so the person weighs what is left (a rejection, or the recommendation against)."""
    return outcome is not Outcome.REJECTED and dispute.compensation_issued


def payable(dispute: Dispute) -> dict[str, int]:
    """Per claimed line, the units no decision refunded or reshipped: all a decision may still pay, counted as the
    domain counts them when it refuses more."""
    return dispute.uncompensated()


def recommended_lines(dispute: Dispute, outcome: Outcome | None) -> dict[str, tuple[str, str]]:
    """Each claimed line with units still payable, as the policy would decide them: the units the evidence shows
    missing that no earlier decision paid get `outcome`, the rest of the line is rejected; with nothing shown (a person
    weighs it all), every such line is left to the person, at the units still payable. A line paid in full is left
    out: a decision may name it no more."""
    left = {sku: units for sku, units in payable(dispute).items() if units}
    shown = {m.sku: m.quantity for m in dispute.recommendation.lines} if dispute.recommendation else {}
    if outcome is None or outcome is Outcome.REJECTED or not shown:
        return {sku: ("", str(units)) for sku, units in left.items()}
    claimed = {m.sku: m.quantity for m in dispute.claimed_lines}
    lines = {}
    for sku, units in left.items():
        unpaid_shown = min(shown.get(sku, 0) - (claimed[sku] - units), units)
        lines[sku] = (outcome.value, str(unpaid_shown)) if unpaid_shown > 0 else (Outcome.REJECTED.value, str(units))
    return lines


def offered(
    dispute: Dispute, actor: Actor, rules: Rules, now: datetime, push_only: AbstractSet[str] = frozenset()
) -> frozenset[str]:
    """The case's forms (by the address they post to) whose change the case takes from `actor` as it stands, each
    tried by the domain on a copy (nothing saved): a form it would refuse whatever is typed in it (taking a decided
    case, releasing one no one holds, reopening an open one) is not offered. The decision is asked of the case
    (`Dispute.decidable_by`): what is decided is the form's. Taking the customer's information or appeal off the
    case is offered per submission: `customer-evidence/remove:<its position>`, for each one the domain would take off;
    sending a parked message again per message, `effects/resend:<its key>`."""
    said = "-"
    tries: dict[str, Callable[[Dispute], object]] = {
        "take": lambda d: d.assign(actor, actor.id, now),
        "assign": lambda d: d.assign(actor, said, now),  # to someone else: a supervisor's
        "release": lambda d: d.release(actor, now),
        "evidence-requests": lambda d: d.request_evidence(actor, now, push_only),
        "messages": lambda d: d.message_customer(actor, said, now),
        "questions": lambda d: d.request_information(
            actor, said, answer_by(now, rules), rules.information_requests_per_review, rules.escalate_before_deadline,
            now, business_calendar(rules)),
        "notes": lambda d: d.add_note(actor, said, now),
        "flags/clear": lambda d: d.clear_flags(actor, said, now, rules.escalate_before_deadline),
        "reopen": lambda d: d.reopen(actor, said, now),
    }
    for index in range(len(dispute.customer_evidence)):
        tries[f"customer-evidence/remove:{index}"] = partial(
            take_off, actor=actor, index=index, reason=said, now=now, rules=rules
        )
    for parked in dispute.effects_parked:
        tries[f"effects/resend:{parked.key}"] = partial(
            Dispute.resend_effect, actor=actor, effect=parked.key, reason=said, now=now
        )
    taken = {name for name, change in tries.items() if _takes(dispute, change)}
    return frozenset(taken | ({"decision"} if dispute.decidable_by(actor) else set()))


def _takes(dispute: Dispute, change: Callable[[Dispute], object]) -> bool:
    """Whether the domain takes `change` on a copy of the case: each field copied deep but the carrier's evidence,
    the bulk of a large case (up to `MAX_EVIDENCE` proofs), which none of the forms' changes touch."""
    trial = dispute.model_copy()
    for name, value in dispute.__dict__.items():
        if name != "evidence":
            trial.__dict__[name] = deepcopy(value)
    try:
        return change(trial) is not False  # False: taken, but nothing would change (taking a case one holds)
    except (domain.DomainError, BeyondCalendar):  # also a deadline past the years counted (a test clock's last days)
        return False


def case_context(dispute: Dispute, form: CaseForm | None = None, changes: Changes | None = None) -> dict[str, Any]:
    shown = proofs(dispute)
    anchors = {e.key: number for number, e in enumerate(dispute.evidence, 1)}  # a finding links to its evidence
    return {
        "d": dispute,
        "proofs": shown,
        "map": the_map(dispute),
        "records": delivery_records(dispute),
        "waiting": dispute.open_information_request,
        "anchors": anchors,
        "carrier_links": {  # a finding citing a proof's signature, photo or document the carrier keeps links to it
            f"{e.key} proof.{field}": link for e in dispute.evidence for field in ("signature", "photo", "document")
            if (link := carrier_link(getattr(e.proof, field))) is not None
        },
        "messages": [e for e in dispute.timeline if e.action in MESSAGE_ACTIONS],
        "notes": [e for e in dispute.timeline if e.action == "note_added"],
        "timeline": dispute.full_timeline,  # the audit trail the API's timeline shows: attachment views, parkings
        "form": form or prefilled(dispute),
        "payable": payable(dispute),
        "compensated": compensated_lines(dispute),
        "compensations": compensations(dispute),
        "item_names": {item.sku: item.name for item in dispute.order.items},
        "changes": changes,
        "outcomes": tuple(o for o in Outcome if (o is not Outcome.RESHIP or dispute.order.reshippable)
                          and not _paid_already(dispute, o)),
        "reasons": tuple(r for r in ReasonCode if r in dispute.rejection_reasons | dispute.compensation_reasons),
        "destinations": tuple(RefundDestination),
        "supervisor": Role.SUPERVISOR,
    }


async def _offered(request: web.Request, actor: Actor, dispute: Dispute) -> frozenset[str]:
    """`offered` at the case's time (its test clock's, in the sandbox)."""
    service = request.app[SERVICE]
    return offered(dispute, actor, service.rules, await service.now_of(dispute), service.push_only)


async def assignable(request: web.Request, actor: Actor) -> list[StaffMember]:
    """The directory's active members, offered to a supervisor assigning the case (others take it themselves)."""
    if actor.role is not Role.SUPERVISOR:
        return []
    return [m for m in await request.app[STAFF_DIRECTORY].page(actor, None, SUGGESTED_STAFF) if m.active]


def dispute_id(request: web.Request) -> str:
    """The path's dispute id, held to the API's rule for ids; any other is a case that does not exist."""
    try:
        return ID.validate_python(request.match_info["id"])
    except ValidationError:
        raise domain.NotFound("No such dispute.") from None


async def _around(request: web.Request, actor: Actor, dispute: Dispute) -> dict[str, Any]:
    """What the page shows beside the case itself: whom it may be assigned to, the forms offered, and the latest
    pushes stored for its parcel (none for a digital order: no carrier pushes for it)."""
    pushes = None
    if not dispute.order.is_digital:
        traces = await request.app[PUSHES].for_tracking_number(actor, dispute.order.tracking_number, None, SHOWN_PUSHES)
        pushes = ([pushed_event(trace) for trace in traces.items], traces.next_after is not None)
    return {"staff": await assignable(request, actor), "offered": await _offered(request, actor, dispute),
            "pushes": pushes}


@page
async def case(request: web.Request, actor: Actor) -> web.Response:
    try:
        dispute = await request.app[SERVICE].read(actor, dispute_id(request))
    except domain.NotFound:
        return render(request, "message.html", {"message": "not_found"}, actor, status=404)
    version = {"ETag": f'W/"{dispute.version}"', "Cache-Control": NO_STORE}
    if none_match(request.headers.get("If-None-Match"), f'"{dispute.version}"'):
        return web.Response(status=304, headers=version)  # the page's check: still the version it shows
    context = case_context(dispute) | {"done": "done" in request.query} | await _around(request, actor, dispute)
    response = render(request, "case.html", context, actor)
    response.headers.update(version)
    return response


@page
async def attachment(request: web.Request, actor: Actor) -> web.StreamResponse:
    """A stored image or document of the case, through the same use case as the API's (the view is recorded);
    like the pages, kept out of the browser's cache: a signature or a photo of a door is personal data."""
    try:
        ref = ID.validate_python(request.match_info["ref"])
        viewed = await request.app[EVIDENCE].view(actor, dispute_id(request), ref, request.method != "HEAD")
    except (ValidationError, domain.NotFound):
        return render(request, "message.html", {"message": "not_found"}, actor, status=404)
    response = attachment_response(request, viewed)
    response.headers["Cache-Control"] = NO_STORE
    return response


async def _refused(request: web.Request, actor: Actor, error: domain.DomainError | ValidationError,
                   form: CaseForm | None = None, changes: Changes | None = None) -> web.Response:
    """The case as it is now, with why the form did not go through (and what was sent, to send again)."""
    try:
        dispute = await request.app[SERVICE].read(actor, dispute_id(request))
    except domain.NotFound:
        return render(request, "message.html", {"message": "not_found"}, actor, status=404)
    if isinstance(error, ValidationError):
        status, message, detail = 422, "invalid", reasons(error)
        fields = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
    else:
        status = next(code for kind, code in DOMAIN_STATUS if isinstance(error, kind))
        message, detail = "not_allowed", [_why(error, language(request))]
        fields = {error.field} if error.field else set()
    form = form or prefilled(dispute)
    form.errors = detail
    context = case_context(dispute, form, changes) | {"refused": message, "invalid_fields": sorted(fields)}
    context |= await _around(request, actor, dispute)
    return render(request, "case.html", context, actor, status=status)


def _why(error: domain.DomainError, lang: str) -> str:
    """Why the domain refused, in the page's language: on an English page, its detail; on a Turkish one, the Turkish
    sentence of its problem type followed by the detail, which names the specifics (the line, the units, what to do
    next) the sentence cannot (the detail alone where there is no sentence yet)."""
    if lang != "tr" or (sentence := PROBLEMS_TR.get(error.code)) is None:
        return error.detail
    return f"{sentence} (Ayrıntı: {error.detail})"


def _text(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _fields(form: MultiDictProxy[Any], *names: str) -> dict[str, Any]:
    """The form's fields, empty ones left out."""
    return {n: v for n in names if (v := _text(form, n).strip())}


def _model[M: BaseModel](model: type[M], form: MultiDictProxy[Any], *names: str) -> M:
    """The API's own input model, from the form's fields (empty fields left out)."""
    return model.model_validate(_fields(form, *names))


async def _apply(request: web.Request, actor: Actor, change: Any) -> web.Response:
    try:
        await change
    except (domain.DomainError, ValidationError) as error:
        return await _refused(request, actor, error)
    return see_other(f"/console/disputes/{dispute_id(request)}?done")


@action
async def take(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    return await _apply(request, actor, request.app[ASSIGNMENTS].assign(actor, dispute_id(request), None))


@action
async def assign(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    """To the active staff member named (supervisors), by the API's input model and use case for it; the form names
    someone (taking a case is its own button)."""
    try:
        assignee = _model(Assign, form, "assignee").assignee
        if assignee is None:
            raise domain.UnknownStaff("Name the staff member to give the case to.")
    except (domain.UnknownStaff, ValidationError) as error:
        return await _refused(request, actor, error)
    return await _apply(request, actor, request.app[ASSIGNMENTS].assign(actor, dispute_id(request), assignee))


@action
async def review_restriction(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    """A supervisor confirms or lifts the account restriction the case led to, by the API's input model for it."""
    try:
        body = _model(RestrictionReview, form, "decision", "reason")
    except ValidationError as error:
        return await _refused(request, actor, error)
    confirm = body.decision == "confirm"
    return await _apply(request, actor, request.app[SERVICE].review_restriction(
        actor, dispute_id(request), confirm, body.reason))


@action
async def release(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    return await _apply(request, actor, request.app[SERVICE].release(actor, dispute_id(request)))


@action
async def request_evidence(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    return await _apply(request, actor, request.app[SERVICE].request_evidence(actor, dispute_id(request)))


def _text_action(
    model: type[BaseModel], field: str, use_case: Callable[[DisputeService, Actor, str, str], Awaitable[Any]]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A form of one text field, validated by the API's input model for it, then the use case the API calls."""

    async def handle(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
        try:
            text = str(getattr(_model(model, form, field), field))
        except ValidationError as error:
            return await _refused(request, actor, error)
        return await _apply(request, actor, use_case(request.app[SERVICE], actor, dispute_id(request), text))

    return action(handle)


add_note = _text_action(Note, "text", DisputeService.add_note)
message_customer = _text_action(CustomerMessage, "text", DisputeService.message_customer)
ask_customer = _text_action(AskCustomer, "question", DisputeService.request_information)
clear_flags = _text_action(ClearFlags, "reason", DisputeService.clear_flags)
reopen = _text_action(Reopen, "reason", DisputeService.reopen)


@action
async def resend_effect(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    """A parked message sent again (the form names its key), by the API's input model and use case for it."""
    try:
        body = _model(ResendEffect, form, "effect", "reason")
    except ValidationError as error:
        return await _refused(request, actor, error)
    return await _apply(request, actor, request.app[SERVICE].resend_effect(
        actor, dispute_id(request), body.effect, body.reason))


@action
async def remove_submission(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    """Information or an appeal sent to the wrong customer's case taken off it (the form names its position), by the
    API's input model and use case for it."""
    try:
        body = RemoveSubmission.model_validate(
            _fields(form, "reason") | {"submission": _number(_text(form, "submission").strip())})
    except ValidationError as error:
        return await _refused(request, actor, error)
    return await _apply(request, actor, request.app[SERVICE].remove_submission(
        actor, dispute_id(request), body.submission, body.reason))


def _texts(form: MultiDictProxy[Any], name: str) -> list[str]:
    return [value if isinstance(value, str) else "" for value in form.getall(name, [])]


def _line_choices(form: MultiDictProxy[Any]) -> dict[str, tuple[str, str]]:
    """The form's rows for the claimed lines: sku → (outcome, quantity), as sent."""
    rows = zip(_texts(form, "line_sku"), _texts(form, "line_outcome"), _texts(form, "line_quantity"), strict=False)
    return {sku: (outcome, quantity.strip()) for sku, outcome, quantity in rows}


def _decision(form: MultiDictProxy[Any], lines: dict[str, tuple[str, str]]) -> DecisionRequest:
    """The API's input model from the form: a refund or reship names every claimed line (a row left empty gets the
    decision's outcome), so a line is rejected only where the person says so, or in the part of it not named."""
    body = _fields(form, "outcome", "reason_code", "note", "refund_to", "override_reason")
    if lines and body.get("outcome") in (Outcome.REFUND, Outcome.RESHIP):
        body["line_outcomes"] = [
            {"sku": sku, "outcome": outcome or body["outcome"], "quantity": _number(quantity)}
            for sku, (outcome, quantity) in lines.items()
        ]
    return DecisionRequest.model_validate(body)


def _number(typed: str) -> int | str:
    """A form's field as the JSON number the API takes (its quantities are strict), or as typed, to be refused."""
    return int(typed) if typed.isascii() and typed.isdigit() else typed


@action
async def decide(request: web.Request, actor: Actor, form: MultiDictProxy[Any]) -> web.Response:
    lines = _line_choices(form)
    sent = CaseForm(_text(form, "outcome"), _text(form, "reason_code"), _text(form, "note"), _text(form, "refund_to"),
                    _text(form, "override_reason"), lines=lines)
    version = _text(form, "version")
    try:
        body = _decision(form, lines)
        if not (version.isascii() and version.isdigit() and len(version) <= VERSION_DIGITS):
            raise domain.Unprocessable("The form names no version of the case.")
        await request.app[SERVICE].decide(
            actor, dispute_id(request), frozenset({int(version)}), body.outcome, body.reason_code, body.note,
            body.refund_to, body.override_reason, body.outcomes_per_line(),
        )
    except domain.StaleVersion as error:
        return await _stale(request, actor, error, sent, int(version), _text(form, "seen_at"))
    except (domain.DomainError, ValidationError) as error:
        return await _refused(request, actor, error, sent)
    return see_other(f"/console/disputes/{dispute_id(request)}?done")


async def _stale(request: web.Request, actor: Actor, error: domain.StaleVersion, sent: CaseForm, seen_version: int,
                 seen_at: str) -> web.Response:
    dispute = await request.app[SERVICE].read(actor, dispute_id(request))
    since = _instant(seen_at)
    # views of its images are recorded without a new version: they are not what changed
    entries = tuple(e for e in dispute.timeline if (since is None or e.at > since) and e.action != VIEWED)
    return await _refused(request, actor, error, sent, Changes(seen_version, entries))


def _instant(text: str) -> datetime | None:
    """The moment the form's page was shown (an ISO instant with its offset), or None when it names none."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
