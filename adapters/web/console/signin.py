"""Signing in and out: with a bearer token, or (sandbox mode only) as a demo staff member."""

from datetime import timedelta

from aiohttp import web

from adapters.demo.staff import DEMO_STAFF
from adapters.web.console.i18n import LANGUAGE_COOKIE, LANGUAGES
from adapters.web.console.session import (
    CONFIG, PATH, SIGNED_OUT, back_to, checked_form, end_session, render, secure, see_other, session_of, signed_in,
    start_session, verified_staff,
)

DEMO = {member.id: member for member in DEMO_STAFF if member.active}  # the sandbox's staff directory
TOKEN_MAX_CHARS = 4096
MINTS = 5  # development tokens tried per sign-in: each signed out of within the same second takes one


async def sign_in_page(request: web.Request) -> web.Response:
    back = back_to(request.query.get("next"))
    if await signed_in(request) is not None:
        return see_other(back)
    return render(request, "sign_in.html", {"dev": request.app[CONFIG].dev_tokens is not None, "next": back})


async def sign_in(request: web.Request) -> web.Response:
    form = await checked_form(request)
    back = back_to(form.get("next"))
    token = form.get("token", "")
    token = token.strip() if isinstance(token, str) else ""
    actor = await verified_staff(request, token) if 0 < len(token) <= TOKEN_MAX_CHARS else None
    refused = "token_refused" if actor is None else None
    if actor is not None and await request.app[SIGNED_OUT].ended(session_of(token)):
        refused = "token_signed_out"
    if refused is not None:
        context = {"dev": request.app[CONFIG].dev_tokens is not None, "refused": refused, "next": back}
        return render(request, "sign_in.html", context, status=401)
    return start_session(request, token, back)


async def dev_sign_in_page(request: web.Request) -> web.Response:
    if request.app[CONFIG].dev_tokens is None:
        raise web.HTTPNotFound()
    return render(request, "dev_sign_in.html", {"staff": DEMO.values(), "next": back_to(request.query.get("next"))})


async def dev_sign_in(request: web.Request) -> web.Response:
    tokens = request.app[CONFIG].dev_tokens
    if tokens is None:
        raise web.HTTPNotFound()
    form = await checked_form(request)
    member = DEMO.get(str(form.get("staff")))
    if member is None:
        raise web.HTTPUnprocessableEntity(text="Pick a demo staff member.")
    # the role the directory gives them, back to the page asked for; a token minted in the second they signed out
    # in would be the one they signed out of (same claims, same times): one a second shorter-lived is another
    for shorter in range(MINTS):
        token = tokens.mint(member.id, member.role, ttl=tokens.default_ttl - timedelta(seconds=shorter))
        if not await request.app[SIGNED_OUT].ended(session_of(token)):
            return start_session(request, token, back_to(form.get("next")))
    raise web.HTTPServiceUnavailable(text="Signed out too often this second; try again.")


async def sign_out(request: web.Request) -> web.Response:
    await checked_form(request)
    return await end_session(request)


async def choose_language(request: web.Request) -> web.Response:
    form = await checked_form(request)
    lang = form.get("lang")
    if lang not in LANGUAGES:
        raise web.HTTPUnprocessableEntity(text="Unknown language.")
    response = see_other(back_to(form.get("next")))
    response.set_cookie(LANGUAGE_COOKIE, str(lang), path=PATH, max_age=365 * 86400, samesite="Strict",
                        httponly=True, secure=secure(request))
    return response
