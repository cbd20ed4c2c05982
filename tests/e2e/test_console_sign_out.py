"""Signing out of the console ends the session for good: the cookie kept from before (a shared computer's profile, a
proxy's log) no longer opens a page or sends a form, the same token pasted again is refused in words, and the next
person signing in on that browser gets a CSRF token of their own."""

import pytest

from schemas.common import Role
from tests.e2e.conftest import TOKENS
from tests.e2e.test_console import CSRF, cookies, opened

pytestmark = pytest.mark.asyncio


async def test_a_session_cookie_kept_from_before_signing_out_no_longer_opens_the_console(api):
    dispute = await opened(api)
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR)
    assert (await api.get("/console", headers=cookies(token), allow_redirects=False)).status == 200
    out = await api.post("/console/sign-out", data={"csrf": CSRF}, headers=cookies(token), allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/console/sign-in"
    # both cookies dropped: whoever signs in next on that browser is given a CSRF token of their own
    assert out.cookies["console_session"].value == "" and out.cookies["console_csrf"].value == ""
    for path in ("/console", f"/console/disputes/{dispute['id']}", "/console/reports"):
        again = await api.get(path, headers=cookies(token), allow_redirects=False)
        assert again.status == 303 and again.headers["Location"].startswith("/console/sign-in"), path
    take = await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": CSRF}, headers=cookies(token))
    assert take.status == 401
    pasted = await api.post("/console/sign-in", data={"token": token, "csrf": CSRF}, headers=cookies(),
                            allow_redirects=False)
    assert pasted.status == 401 and "console_session" not in pasted.cookies
    assert "Bu anahtarla oturum kapatıldı" in await pasted.text()  # the browser chose no language: Turkish


async def test_signing_out_ends_only_that_session(api):
    kept, ended = TOKENS.mint("inv-ayse", Role.INVESTIGATOR), TOKENS.mint("inv-mehmet", Role.INVESTIGATOR)
    await api.post("/console/sign-out", data={"csrf": CSRF}, headers=cookies(ended), allow_redirects=False)
    assert (await api.get("/console", headers=cookies(kept), allow_redirects=False)).status == 200
    assert (await api.get("/console", headers=cookies(ended), allow_redirects=False)).status == 303



@pytest.mark.parametrize("app_changes", [{"console_dev_sign_in": True}], ids=["sandbox"])
async def test_the_development_sign_in_right_after_signing_out_starts_a_session_that_opens_the_console(api):
    sessions = []
    for _ in range(3):  # in the same second, most likely: the token minted again would be the one signed out of
        signed = await api.post("/console/dev-sign-in", data={"csrf": CSRF, "staff": "inv-mehmet"},
                                headers=cookies(), allow_redirects=False)
        assert signed.status == 303
        sessions.append(token := signed.cookies["console_session"].value)
        assert (await api.get("/console", headers=cookies(token), allow_redirects=False)).status == 200
        await api.post("/console/sign-out", data={"csrf": CSRF}, headers=cookies(token), allow_redirects=False)
    assert len(set(sessions)) == 3


@pytest.mark.parametrize("spelling", [lambda t: t + "=", lambda t: t + "=="], ids=["padded", "padded-twice"])
async def test_a_signed_out_token_spelled_another_way_opens_no_console_page(api, spelling):
    """base64url padding added to the signature: the verifier decodes it to the same bytes, so it is the same token."""
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR)
    out = await api.post("/console/sign-out", data={"csrf": CSRF}, headers=cookies(token), allow_redirects=False)
    assert out.status == 303
    other = spelling(token)

    assert (await api.get("/console", headers=cookies(other), allow_redirects=False)).status == 303
    pasted = await api.post("/console/sign-in", data={"token": other, "csrf": CSRF}, headers=cookies(),
                            allow_redirects=False)
    assert pasted.status == 401
