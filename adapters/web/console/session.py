"""Who is signed in to the console, and the guards every page and form goes through.

The session is the bearer token itself, kept in an HttpOnly, SameSite=Strict cookie scoped to /console and
verified on every request exactly as the API verifies the Authorization header (the same verifier, so the
same expiry, lifetime and signature rules); only investigators and supervisors get in. Signing out ends the session
for every instance: a digest of its token (`session_of`) is kept in storage until the token expires
(`SignedOutSessions`), and a token so kept never opens the console again, from a copy of the cookie or pasted in
anew. Nothing else is kept on the server, so any instance serves any request. Signing out drops the CSRF token too:
whoever signs in next on that browser gets one of their own.

Forms are protected by a double-submit token: a random value in its own SameSite=Strict cookie that every
form repeats in a hidden field; a POST whose field does not match the cookie, or that the browser says came
from another site (`Sec-Fetch-Site`, else the host its `Origin` names), changes nothing and is answered with a
page that says so. The scheme is not compared: behind a proxy that ends TLS the browser says https while the
service hears http, which the cookies' `Secure` flag follows too (`X-Forwarded-Proto`)."""

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
import jwt
from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError

from adapters.web.auth import HmacTokens, InvalidToken, numeric_date
from adapters.web.bodies import refuse_coded
from adapters.web.console.i18n import LANGUAGES, language, translator
from adapters.observability import bind_actor
from adapters.web.idempotency import key_scope
from adapters.web.in_flight import at_work
from adapters.web.keys import TOKENS
from adapters.web.problems import ProblemError
from adapters.web.rate_limit import RATE_LIMITS, add_headers, client_key, limit
from disputes.actors import Actor
from disputes.errors import NotFound
from disputes.ports import SignedOutSessions
from schemas.common import Role

SESSION_COOKIE = "console_session"
CSRF_COOKIE = "console_csrf"
CSRF_FIELD = "csrf"
PATH = "/console"
CONSOLE_ROLES = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
OWN_SITE = frozenset({"same-origin", "none"})  # Sec-Fetch-Site of a form of ours ("none": the person's own doing)
NO_STORE = "no-store"  # what the console shows is personal data: no cache keeps it, the browser's own included
# Pages are built from the repository's own files only: no inline script, nothing from another origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would send "Origin: null" with every form
    "Cache-Control": NO_STORE,
}


@dataclass(frozen=True)
class ConsoleConfig:
    dev_tokens: HmacTokens | None
    """Set in sandbox mode only: the development sign-in mints tokens with it."""


CONFIG = web.AppKey("console", ConsoleConfig)
SIGNED_OUT = web.AppKey("console_signed_out", SignedOutSessions)
PAST_EXPIRY = timedelta(minutes=1)  # an ended session is kept past its token's expiry by more than the leeway (30 s)

Page = Callable[[web.Request, Actor], Awaitable[web.StreamResponse]]
Action = Callable[[web.Request, Actor, MultiDictProxy[str | bytes | Any]], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ForgedForm(Exception):
    """A form post without the page's CSRF token, or from another site."""


async def signed_in(request: web.Request) -> Actor | None:
    """The investigator or supervisor whose session cookie holds a verified token not signed out of; else None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        actor = await request.app[TOKENS].verify(token)
    except InvalidToken:
        return None
    bind_actor(actor)
    if actor.role not in CONSOLE_ROLES or await request.app[SIGNED_OUT].ended(session_of(token)):
        return None
    return actor


async def verified_staff(request: web.Request, token: str) -> Actor | None:
    """The investigator or supervisor `token` names, verified (whether signed out of or not); else None."""
    try:
        actor = await request.app[TOKENS].verify(token)
    except InvalidToken:
        return None
    return actor if actor.role in CONSOLE_ROLES else None


def session_of(token: str) -> str:
    """The name a session is kept under once ended: the digest (the token itself is a credential) of the token's
    header and claims as the verifier decodes them. Not of its signature: one token may verify under more than one
    (an ECDSA signature's (r, n−s) twin, base64url padding added), and each would name another session."""
    header, payload = token.encode(errors="surrogateescape").rsplit(b".", 1)[0].split(b".", 1)
    return hashlib.sha256(jwt.utils.base64url_decode(header) + b"." + jwt.utils.base64url_decode(payload)).hexdigest()


def page(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page for signed-in staff; anyone else is sent to the sign-in page, which brings them back here."""

    async def handle(request: web.Request) -> web.StreamResponse:
        actor = await signed_in(request)
        if actor is None:
            back = page_of(request)
            after = "" if back == PATH else f"?next={quote(back, safe='/')}"
            raise web.HTTPSeeOther(f"{PATH}/sign-in{after}")
        if (slowed := over_limit(request, actor)) is not None:
            return slowed
        return reading_on(request, await handler(request, actor))

    handle.__name__ = handler.__name__
    return handle


def action(handler: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A form post by signed-in staff, with a valid CSRF token, within their rate limit; refused (401, 403, 429)
    and nothing changed otherwise."""

    async def handle(request: web.Request) -> web.StreamResponse:
        form = await checked_form(request)
        actor = await signed_in(request)
        if actor is None:
            return render(request, "message.html", {"message": "unauthenticated"}, status=401)
        if (slowed := over_limit(request, actor)) is not None:
            return slowed
        try:
            return reading_on(request, await handler(request, actor, form))
        except NotFound:
            return render(request, "message.html", {"message": "not_found"}, actor, status=404)

    handle.__name__ = handler.__name__
    return handle


def over_limit(request: web.Request, actor: Actor) -> web.Response | None:
    """A page saying so (429, with Retry-After) once the person is past the rate limit their API calls share."""
    try:
        limit(request, request.app[RATE_LIMITS].clients, client_key(request, key_scope(actor)))
    except ProblemError:
        response = render(request, "message.html", {"message": "rate_limited"}, actor, status=429)
        add_headers(request, response)
        return response
    return None


def reading_on(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """The answer with the rate limit's reading, as the API's carry it (a stream put it on before it started)."""
    if not response.prepared:
        add_headers(request, response)
    return response


def posted(handler: Handler) -> Handler:
    """A form's handler, whose forged posts (`ForgedForm`) and posts too large to read are answered with a page
    saying so (403, 413)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ForgedForm:
            return render(request, "message.html", {"message": "csrf"}, await signed_in(request), status=403)
        except web.HTTPRequestEntityTooLarge:
            at_work()  # the page saying so asks who is signed in
            return render(request, "message.html", {"message": "too_large"}, await signed_in(request), status=413)

    handle.__name__ = handler.__name__
    return handle


async def checked_form(request: web.Request) -> MultiDictProxy[str | bytes | Any]:
    """The form once it is in, when the request turns to its work (`at_work`: a 503 when people's requests in flight
    leave no room), if it came from a page of ours."""
    refuse_coded(request)
    try:
        form = await request.post()
    except ValueError:  # not in the form's charset (UTF-8), or a multipart body that does not parse
        raise web.HTTPBadRequest(text="The form cannot be read.") from None
    at_work()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not (cookie and isinstance(sent, str) and _same(cookie, sent) and _from_our_site(request)):
        raise ForgedForm()
    return form


def _same(cookie: str, sent: str) -> bool:
    """Compared as UTF-8 bytes in constant time (`compare_digest` refuses strings outside ASCII)."""
    return hmac.compare_digest(cookie.encode(errors="surrogateescape"), sent.encode(errors="surrogateescape"))


def _from_our_site(request: web.Request) -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in OWN_SITE
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        return urlsplit(origin).netloc == request.host
    except ValueError:  # unreadable (an unclosed IPv6 bracket): not a site of ours
        return False


def secure(request: web.Request) -> bool:
    """Whether the browser reached the service over TLS (here, or at the proxy in front that says so)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() == "https"


def render(
    request: web.Request, template: str, context: dict[str, Any], actor: Actor | None = None, status: int = 200
) -> web.Response:
    """A page in the request's language, with the CSRF token its forms repeat (issued here when new)."""
    lang = language(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    base = {"t": translator(lang), "lang": lang, "languages": LANGUAGES, "csrf": csrf, "actor": actor,
            "here": page_of(request), "session_ends": _session_ends(request) if actor else None}
    response = aiohttp_jinja2.render_template(template, request, base | context, status=status)
    if CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, csrf, path=PATH, httponly=True, samesite="Strict", secure=secure(request))
    response.headers.update(SECURITY_HEADERS)
    return response


def _session_ends(request: web.Request) -> int | None:
    """When the signed-in session's token expires, for the page to warn before: the token was verified for this
    request (`signed_in`)."""
    return _expiry(request.cookies.get(SESSION_COOKIE, ""))


def _expiry(token: str) -> int | None:
    """A token's `exp` (seconds since the epoch), read without verifying it again: only for one verified already."""
    try:
        expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    return int(expires) if numeric_date(expires) else None  # a verified token's: a finite number


def page_of(request: web.Request) -> str:
    """The page a request shows, to come back to (after choosing a language, after signing in): its own address
    for a page, without the `done` of a form's answer (coming back is no new answer, and what was typed since is
    filled in again); for a form's answer, the case the form is on (a form's address answers no GET), else the
    queue."""
    if request.method in ("GET", "HEAD"):
        return str(request.rel_url.without_query_params("done"))
    case = request.match_info.get("id")
    return f"{PATH}/disputes/{quote(case, safe='')}" if case else PATH


def reasons(error: ValidationError) -> list[str]:
    """What is wrong with each field, in words (never the value sent)."""
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False, include_url=False)]


def back_to(location: object) -> str:
    """`location` when it is a console address (never another site's, never a header's end); else the queue."""
    return location if isinstance(location, str) and location.startswith(PATH) and location.isprintable() else PATH


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def start_session(request: web.Request, token: str, location: str = PATH) -> web.Response:
    """Signed in: the session cookie. The CSRF token in hand stays (signing out drops it): a page left open while the
    session ended, then signed in again in another tab, sends its forms with it."""
    response = see_other(location)
    response.set_cookie(SESSION_COOKIE, token, path=PATH, httponly=True, samesite="Strict", secure=secure(request))
    return response


async def end_session(request: web.Request) -> web.Response:
    """Signed out: a session that verifies is ended for every instance until its token expires; the browser is asked
    to drop both cookies (whoever signs in next on it gets a CSRF token of their own)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and await verified_staff(request, token) is not None and (expires := _expiry(token)) is not None:
        now = datetime.now(UTC)  # the clock tokens expire by
        await request.app[SIGNED_OUT].end(session_of(token), datetime.fromtimestamp(expires, UTC) + PAST_EXPIRY, now)
    response = see_other(f"{PATH}/sign-in")
    response.del_cookie(SESSION_COOKIE, path=PATH)
    response.del_cookie(CSRF_COOKIE, path=PATH)
    return response
