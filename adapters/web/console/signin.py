"""Signing in and out: with a bearer token, or (sandbox mode only) as a demo staff member."""

from aiohttp import web

from adapters.demo.staff import DEMO_STAFF
from adapters.web.auth import InvalidToken, Reason
from adapters.web.console.i18n import LANGUAGE_COOKIE, LANGUAGES
from adapters.web.console.session import (
    CONFIG, CONSOLE_ROLES, PATH, back_to, checked_form, end_session, render, secure, see_other, signed_in,
    start_session,
)
from adapters.web.keys import TOKENS

DEMO = {member.id: member for member in DEMO_STAFF if member.active}  # the sandbox's staff directory
TOKEN_MAX_CHARS = 4096


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
    try:
        if not 0 < len(token) <= TOKEN_MAX_CHARS:
            raise InvalidToken(Reason.TOKEN_MISSING)
        actor = await request.app[TOKENS].verify(token)
    except InvalidToken:
        actor = None
    if actor is None or actor.role not in CONSOLE_ROLES:
        context = {"dev": request.app[CONFIG].dev_tokens is not None, "refused": True, "next": back}
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
    # the role the directory gives them, back to the page asked for
    return start_session(request, tokens.mint(member.id, member.role), back_to(form.get("next")))


async def sign_out(request: web.Request) -> web.Response:
    await checked_form(request)
    return end_session()


async def choose_language(request: web.Request) -> web.Response:
    form = await checked_form(request)
    lang = form.get("lang")
    if lang not in LANGUAGES:
        raise web.HTTPUnprocessableEntity(text="Unknown language.")
    response = see_other(back_to(form.get("next")))
    response.set_cookie(LANGUAGE_COOKIE, str(lang), path=PATH, max_age=365 * 86400, samesite="Strict",
                        httponly=True, secure=secure(request))
    return response
