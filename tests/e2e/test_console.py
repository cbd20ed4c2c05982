"""The console over HTTP: who gets in, forms that only its own pages can send, the same rules as the API, and
no personal data in its addresses or in the logs."""

import base64
import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from aiohttp import FormData
from PIL import Image

from adapters.bootstrap import STORAGE_SET_UP
from adapters.web.auth import HmacTokens
from adapters.web.keys import SERVICE
from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.notices import ISTANBUL
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, TOKENS, eventually
from tests.factories import PERSONAL_VALUES
from schemas.common import Role
from schemas.dispute import Evidence, ReasonCode
from schemas.proof import Attachment, AttachmentKind
from tests.unit.policy.builders import proof

CSRF = "csrf-value-for-tests-0123456789"


def cookies(token: str | None = None, csrf: str = CSRF) -> dict[str, str]:
    jar = {"console_csrf": csrf} | ({"console_session": token} if token else {})
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def staff(role: Role = Role.INVESTIGATOR, sub: str = "inv-ayse") -> dict[str, str]:
    return cookies(TOKENS.mint(sub, role))


async def opened(api, order_id: str = "ord-1") -> dict:
    body = {"order_id": order_id, "statement": "Gelmedi, kapıcıya da sordum.", "preferred_resolution": "refund"}
    response = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_pages_send_whoever_has_not_signed_in_to_the_sign_in_page(api):
    for path, location in (("/console", "/console/sign-in"),
                           ("/console/reports", "/console/sign-in?next=/console/reports"),
                           ("/console/disputes/d-1", "/console/sign-in?next=/console/disputes/d-1"),
                           ("/console/disputes/d-1?done", "/console/sign-in?next=/console/disputes/d-1"),
                           ("/console?status=opened&done", "/console/sign-in?next=/console?status%3Dopened")):
        response = await api.get(path, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, location)
    page = await api.get("/console/sign-in")
    assert page.status == 200 and 'name="token"' in await page.text()
    assert "console_csrf" in page.cookies and page.cookies["console_csrf"]["samesite"] == "Strict"


async def test_a_staff_token_signs_in_with_an_http_only_strict_cookie(api):
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR)
    response = await api.post("/console/sign-in", data={"token": token, "csrf": CSRF}, headers=cookies(),
                              allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/console")
    session = response.cookies["console_session"]
    assert session.value == token and session["httponly"] and session["samesite"] == "Strict"
    assert session["path"] == "/console"
    queue = await api.get("/console", headers=cookies(token))
    assert queue.status == 200 and "inv-ayse" in await queue.text()


@pytest.mark.parametrize("token", [
    TOKENS.mint("cust-1", Role.CUSTOMER, "cust-1"),
    TOKENS.mint("agent-elif", Role.AGENT),
    TOKENS.mint("svc", Role.SERVICE),
    HmacTokens("another-secret-" + "y" * 32, "dispute-service", "dispute-service").mint("inv-ayse", Role.INVESTIGATOR),
    "not-a-token",
])
async def test_customers_agents_services_and_bad_tokens_are_refused(api, token):
    response = await api.post("/console/sign-in", data={"token": token, "csrf": CSRF}, headers=cookies(),
                              allow_redirects=False)
    assert response.status == 401 and "console_session" not in response.cookies
    assert (await api.get("/console", headers=cookies(token), allow_redirects=False)).status == 303


async def test_a_form_without_the_matching_csrf_token_changes_nothing(api):
    dispute = await opened(api)
    headers = staff()
    for data in ({}, {"csrf": "something-else"}, {"csrf": CSRF + "ş"}, {"csrf": "ı"}):  # outside ASCII, too
        response = await api.post(f"/console/disputes/{dispute['id']}/take", data=data, headers=headers)
        assert response.status == 403
    for origin in ("https://evil.example", "http://[x"):  # another site's, or one that cannot be read
        cross_site = await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": CSRF},
                                    headers=headers | {"Origin": origin})
        assert cross_site.status == 403
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["assignee"] is None and case["version"] == dispute["version"]


async def test_a_form_that_is_not_utf_8_is_a_400_and_changes_nothing(api):
    dispute = await opened(api)
    form = b"csrf=" + CSRF.encode() + b"&reason=\xff\xfe"  # Latin-1 bytes where the form's UTF-8 should be
    response = await api.post(f"/console/disputes/{dispute['id']}/take", data=form,
                              headers=staff() | {"Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status, response.content_type) == (400, "application/problem+json")
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["assignee"] is None and case["version"] == dispute["version"]


async def test_a_form_without_a_session_is_refused_and_changes_nothing(api):
    dispute = await opened(api)
    response = await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": CSRF}, headers=cookies())
    assert response.status == 401
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["assignee"] is None


async def test_until_storage_is_set_up_the_console_answers_503_as_the_api_does_and_changes_nothing(api):
    dispute = await opened(api)
    set_up = api.app[STORAGE_SET_UP].__self__.done  # the set-up's own flag
    set_up.clear()  # as while an index build or this release's migrations still run
    try:
        answers = [
            await api.get("/console", headers=staff(), allow_redirects=False),
            await api.get(f"/console/disputes/{dispute['id']}", headers=staff(), allow_redirects=False),
            await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": CSRF}, headers=staff(),
                           allow_redirects=False),
            await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR),
        ]
    finally:
        set_up.set()
    assert [(a.status, int(a.headers.get("Retry-After", "0")) > 0) for a in answers] == [(503, True)] * 4
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["assignee"] is None and case["version"] == dispute["version"]


async def test_taking_a_case_goes_through_the_same_use_case_as_the_api(api):
    dispute = await opened(api)
    response = await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": CSRF}, headers=staff(),
                              allow_redirects=False)
    assert response.status == 303
    timeline = await (await api.get(f"/v1/disputes/{dispute['id']}/timeline", headers=INVESTIGATOR)).json()
    assert [(e["action"], e["actor"]) for e in timeline["entries"]][-1] == ("assigned", "inv-ayse")


async def test_only_supervisors_may_reopen_and_the_refusal_is_shown(api):
    dispute = await opened(api)
    path = f"/console/disputes/{dispute['id']}/reopen"
    refused = await api.post(path, data={"csrf": CSRF, "reason": "yeni kanıt"}, headers=staff())
    assert refused.status == 403 and 'id="refused"' in await refused.text()
    not_resolved = await api.post(path, data={"csrf": CSRF, "reason": "yeni kanıt"},
                                  headers=staff(Role.SUPERVISOR, "sup-zeynep"))
    assert not_resolved.status == 409


async def test_a_decision_on_an_old_version_shows_what_changed_and_decides_nothing(api):
    dispute = await opened(api)
    note = await api.post(f"/v1/disputes/{dispute['id']}/notes", json={"text": "Kargoyu aradım."}, headers=SUPERVISOR)
    assert note.status == 201
    form = {"csrf": CSRF, "outcome": "refund", "reason_code": "lost_in_transit", "note": "İade.",
            "version": str(dispute["version"]), "seen_at": dispute["updated_at"]}
    response = await api.post(f"/console/disputes/{dispute['id']}/decision", data=form, headers=staff())
    page = await response.text()
    assert response.status == 412 and 'id="changes"' in page and "<strong>not eklendi</strong>" in page and "sup-zeynep" in page
    assert f'name="version" value="{dispute["version"] + 1}"' in page and "İade." in page  # kept, to send again
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["decision"] is None


async def test_the_case_page_s_timeline_keeps_each_decision_s_note_after_a_reopening(api):
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute['id']}"
    first = {"outcome": "refund", "reason_code": "lost_in_transit", "note": "Kargo kaybetti."}
    assert (await api.post(one + "/decision", json=first, headers={**SUPERVISOR, "If-Match": "*"})).status == 200
    assert (await api.post(one + "/reopen", json={"reason": "Yeni kanıt"}, headers=SUPERVISOR)).status == 200
    again = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim.",
             "override_reason": "Kargo imzayı sonradan gönderdi."}
    assert (await api.post(one + "/decision", json=again, headers={**SUPERVISOR, "If-Match": "*"})).status == 200

    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=staff())).text()

    assert "iade · Taşıma sırasında kayboldu — Kargo kaybetti." in page  # in the page's language (Turkish)
    assert "ret · Teslim kanıtlandı — İmzalı teslim. (Kargo imzayı sonradan gönderdi.)" in page


async def test_the_case_page_answers_304_while_the_case_is_at_the_version_its_check_names(api):
    dispute = await opened(api)
    path, shown = f"/console/disputes/{dispute['id']}", f'"{dispute["version"]}"'
    page = await api.get(path, headers=staff())
    assert page.headers["ETag"] == f"W/{shown}" and f'data-version="{dispute["version"]}"' in await page.text()
    current = await api.get(path, headers={**staff(), "If-None-Match": shown})
    assert current.status == 304 and await current.read() == b"" and current.headers["Cache-Control"] == "no-store"
    note = await api.post(f"/v1/disputes/{dispute['id']}/notes", json={"text": "Kargoyu aradım."}, headers=SUPERVISOR)
    assert note.status == 201
    changed = await api.get(path, headers={**staff(), "If-None-Match": shown})
    assert changed.status == 200 and f'data-version="{dispute["version"] + 1}"' in await changed.text()


@pytest.mark.parametrize(("language", "queue_words", "case_words"), [
    ("en", "The queue could not be refreshed", "This case changed since this page was shown."),
    ("tr", "Kuyruk yenilenemedi", "Bu dosya, sayfa gösterildikten sonra değişti."),
])
async def test_what_the_pages_say_when_they_are_out_of_date_is_in_the_page_s_language(api, language, queue_words,
                                                                                      case_words):
    dispute = await opened(api)
    chosen = {"Cookie": f"{staff()['Cookie']}; console_lang={language}"}
    assert queue_words in await (await api.get("/console", headers=chosen)).text()
    assert case_words in await (await api.get(f"/console/disputes/{dispute['id']}", headers=chosen)).text()


async def test_an_invalid_decision_form_is_a_422_page_with_the_form_kept(api):
    dispute = await opened(api)
    form = {"csrf": CSRF, "outcome": "refund", "reason_code": "no_such_reason", "note": "Not kept",
            "version": str(dispute["version"])}
    response = await api.post(f"/console/disputes/{dispute['id']}/decision", data=form, headers=staff())
    assert response.status == 422 and "Not kept" in await response.text()


async def test_the_queue_filters_and_searches_with_the_api_s_parameters_and_refuses_bad_ones(api):
    first, second = await opened(api, "ord-1"), await opened(api, "ord-2")
    for search in ("carrier=aras", "order_id=ord-2", "status=opened,under_review&carrier=aras"):
        page = await (await api.get(f"/console?{search}", headers=staff())).text()
        assert second["id"] in page and first["id"] not in page, search
    await api.post(f"/console/disputes/{first['id']}/take", data={"csrf": CSRF}, headers=staff())
    mine = await (await api.get("/console?mine=true", headers=staff())).text()
    assert first["id"] in mine and second["id"] not in mine
    for bad in ("opened_from=yesterday", "mine=true&unassigned=true", "priority=7", "cursor=bm90LWEtY3Vyc29y",
                "opened_from=0001-01-01", "opened_to=9999-12-31", "decided_from=1899-12-31"):
        assert (await api.get(f"/console?{bad}", headers=staff())).status == 422, bad


async def test_the_landing_queue_and_its_quick_links_list_the_cases_being_worked_and_the_form_any_status(api):
    # DESIGN: investigators work a queue ordered by SLA; a decided case is no work (`disputes.states.ACTIVE`).
    decided, working = await opened(api, "ord-1"), await opened(api, "ord-2")
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."}
    assert (await api.post(f"/v1/disputes/{decided['id']}/decision", json=refund,
                           headers={**INVESTIGATOR, "If-Match": "*"})).status == 200
    for landing in ("/console", "/console?unassigned=true", "/console?carrier=aras"):
        page = await (await api.get(landing, headers=staff())).text()
        assert working["id"] in page and decided["id"] not in page, landing
        assert '<option value="being_worked" selected>' in page
    everything = await (await api.get("/console?status=", headers=staff())).text()  # the form's "Any"
    assert decided["id"] in everything and working["id"] in everything
    export = re.search(r'id="export" href="([^"]+)"', everything)[1].replace("&amp;", "&")
    assert "status=any" in export and decided["id"] in await (await api.get(export, headers=staff())).text()
    resolved = await (await api.get("/console?status=resolved", headers=staff())).text()
    assert decided["id"] in resolved and working["id"] not in resolved
    # A search finds the case whatever its status, from the landing page's form (which shows "being worked") too.
    for search in ("order_id=ord-1", "status=being_worked&order_id=ord-1", f"status=being_worked&dispute_id={decided['id']}"):
        assert decided["id"] in await (await api.get(f"/console?{search}", headers=staff())).text(), search


async def test_the_queue_finds_a_refund_that_stands_after_a_reopened_review_by_its_compensation(api):
    """README: a refund stands across reopenings; the queue's `compensation` filter finds it, `outcome` (the latest
    decision's) does not."""
    reviewed, other = await opened(api, "ord-1"), await opened(api, "ord-2")
    one = f"/v1/disputes/{reviewed['id']}"
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."}
    assert (await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": "*"})).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Kurye videosu geldi."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Video teslimi gösteriyor.",
              "override_reason": "Kurye videosu."}
    assert (await api.post(one + "/decision", json=reject, headers={**SUPERVISOR, "If-Match": "*"})).status == 200

    page = await (await api.get("/console?status=&compensation=refund", headers=staff())).text()
    by_outcome = await (await api.get("/console?status=&outcome=refund", headers=staff())).text()
    export = await (await api.get("/console/disputes.csv?status=any&compensation=refund", headers=staff())).text()

    assert reviewed["id"] in page and other["id"] not in page and reviewed["id"] not in by_outcome
    assert '<option value="refund" selected>' in page
    assert [(row["id"], row["outcome"], row["compensation"]) for row in csv.DictReader(io.StringIO(export))] == [
        (reviewed["id"], "rejected", "refund")
    ]


async def test_the_filtered_list_exports_as_csv_through_the_api_s_export(api):
    first, second = await opened(api, "ord-1"), await opened(api, "ord-2")
    export = await api.get("/console/disputes.csv?carrier=aras", headers=staff())
    assert export.status == 200 and export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(await export.text())))
    assert rows[0][0] == "id" and [row[0] for row in rows[1:]] == [second["id"]]
    assert first["id"] not in await export.text()
    assert (await api.get("/console/disputes.csv", allow_redirects=False)).status == 303
    assert (await api.get("/console/disputes.csv?overdue=maybe", headers=staff())).status == 422
    for day in ("opened_from=0001-01-01", "decided_to=9999-12-31"):  # no local midnight that is an instant
        assert (await api.get(f"/console/disputes.csv?{day}", headers=staff())).status == 422, day


async def test_the_reports_page_draws_charts(api):
    await opened(api)
    response = await api.get("/console/reports?from=2026-11-01&to=2026-12-01", headers=staff(Role.SUPERVISOR))
    page = await response.text()
    assert response.status == 200 and page.count("<svg") >= 5 and "yurtici" in page
    assert (await api.get("/console/reports?from=2026-12-01&to=2026-11-01", headers=staff())).status == 422
    for days in ("to=0001-01-01", "from=9999-12-20&to=9999-12-31", "from=0001-01-01&to=0001-01-20"):
        assert (await api.get(f"/console/reports?{days}", headers=staff())).status == 422, days


async def test_the_turkish_reports_page_writes_shares_and_weeks_as_turkish_does(api):
    """A share is "%82" in Turkish, "82%" in English; a week is named by the day it starts, as dates are written."""
    body = {"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    disputes = api.server.app[SERVICE].repository
    silent = await disputes.get(dispute["id"])  # the carrier gave no proof by the deadline: it owes the parcel's value
    silent.evidence_deadline_passed(SYSTEM, api.server.app[SERVICE].clock.now())
    await disputes.save(silent)
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "karar"}
    decided = await api.post(f"/v1/disputes/{dispute['id']}/decision", json=decision,
                             headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    reports = "/console/reports?from=2026-11-01&to=2026-12-01"  # NOW (18.11.2026) is in the week of 15.11.2026
    cookie = staff()["Cookie"]
    pages = {lang: await (await api.get(reports, headers={"Cookie": f"{cookie}; console_lang={lang}"})).text()
             for lang in ("tr", "en")}
    assert "<title>15.11.2026 haftası: %100</title>" in pages["tr"] and ">%50</text>" in pages["tr"]
    shown = re.sub(r'href="[^"]*"', "", pages["tr"])  # a link's address percent-encodes its own characters
    assert ">15.11</text>" in pages["tr"] and not re.search(r"\d%", shown)
    assert "<title>week of 15.11.2026: 100%</title>" in pages["en"] and ">50%</text>" in pages["en"]
    assert ">1.299,00 TL</text>" in pages["tr"] and "TRY" not in pages["tr"] and ">1,299.00 TRY</text>" in pages["en"]


async def test_the_development_sign_in_is_not_served_outside_the_sandbox(api):
    assert (await api.get("/console/dev-sign-in", headers=cookies())).status == 404
    refused = await api.post("/console/dev-sign-in", data={"csrf": CSRF, "staff": "inv-1", "role": "supervisor"},
                             headers=cookies())
    assert refused.status == 404 and "console_session" not in refused.cookies


async def test_the_language_follows_the_browser_until_one_is_chosen(api):
    turkish = await (await api.get("/console/sign-in", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.8"})).text()
    english = await (await api.get("/console/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9"})).text()
    assert 'lang="tr"' in turkish and "Giriş yap" in turkish and 'lang="en"' in english and "Sign in" in english
    api.session.cookie_jar.clear()  # the pages' own CSRF cookie; this test sends its own
    chosen = await api.post("/console/language", data={"csrf": CSRF, "lang": "en", "next": "https://evil.example/"},
                            headers=cookies(), allow_redirects=False)
    assert chosen.headers["Location"] == "/console" and chosen.cookies["console_lang"].value == "en"


async def test_no_personal_data_in_any_address_the_console_links_to(api, log_audit):
    dispute = await opened(api)
    headers = staff()
    pages = [await (await api.get(path, headers=headers)).text()
             for path in ("/console", f"/console/disputes/{dispute['id']}")]
    assert "Ayşe Yılmaz" in pages[1]  # the page itself shows the order to staff
    links = [link for page in pages for link in re.findall(r'(?:href|src|action)="([^"]*)"', page)]
    assert links and not [link for link in links for value in PERSONAL_VALUES if value in urlsplit(link).path +
                          urlsplit(link).query]



async def test_an_unknown_or_malformed_case_is_a_404_page(api):
    for dispute_id in ("dsp_nope", "%7B%22%24ne%22%3A1%7D", "a" * 300):
        page = await api.get(f"/console/disputes/{dispute_id}", headers=staff())
        assert page.status == 404 and "text/html" in page.headers["Content-Type"]
        form = await api.post(f"/console/disputes/{dispute_id}/take", data={"csrf": CSRF}, headers=staff())
        assert form.status == 404


async def test_a_stored_image_is_shown_through_the_evidence_use_case_and_its_viewing_recorded(api):
    dispute = await opened(api)
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    upload = FormData(default_to_multipart=True)
    upload.add_field("statement", "Kapının fotoğrafı.")
    upload.add_field("images", png, filename="kapi.png", content_type="image/png")
    added = await api.post(f"/v1/disputes/{dispute['id']}/information", data=upload, headers=CUSTOMER)
    assert added.status == 201, await added.text()
    ref = (await added.json())["customer_evidence"][0]["images"][0]["ref"]
    path = f"/console/disputes/{dispute['id']}/attachments/{ref}"
    assert f'src="{path}"' in await (await api.get(f"/console/disputes/{dispute['id']}", headers=staff())).text()
    image = await api.get(path, headers=staff())
    assert image.status == 200 and image.headers["Content-Type"] == "image/png"
    assert Image.open(BytesIO(await image.read())).size == (1, 1)  # stored re-encoded, without metadata
    assert image.headers["Cache-Control"] == "no-store"  # personal images stay out of the browser's disk cache, as pages do
    assert (await api.get(path, allow_redirects=False)).status == 303
    assert (await api.get(path[:-4] + "0000", headers=staff())).status == 404
    timeline = await (await api.get(f"/v1/disputes/{dispute['id']}/timeline", headers=INVESTIGATOR)).json()
    assert [(e["actor"], e["details"]["attachment"]) for e in timeline["entries"] if e["action"] == "attachment_viewed"] \
        == [("inv-ayse", ref)]
    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=staff())).text()
    assert "<strong>ek görüntülendi</strong>" in page  # the console's timeline is the audit trail the API's is


async def test_what_a_customer_wrote_is_shown_as_text_never_as_markup(api):
    body = {"order_id": "ord-1", "statement": 'Gelmedi <script>alert("x")</script> <img src=x onerror=alert(1)>',
            "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    response = await api.get(f"/console/disputes/{dispute['id']}", headers=staff())
    page = await response.text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


async def test_a_refused_queue_filter_says_what_is_wrong_with_it(api):
    contradicting = await api.get("/console?mine=true&unassigned=true", headers=staff())
    assert contradicting.status == 422 and "Give at most one of assignee, mine, unassigned." in await contradicting.text()
    malformed = await api.get("/console?due_within_hours=soon", headers=staff())
    assert malformed.status == 422 and "due_within_hours" in await malformed.text()


async def test_a_form_refused_for_its_csrf_token_is_a_page_that_says_so(api):
    dispute = await opened(api)
    response = await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": "stale"},
                              headers=staff() | {"Accept-Language": "en"})
    assert response.status == 403 and response.content_type == "text/html"
    assert "The form expired; please try again." in await response.text()
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_forms_through_a_tls_proxy_are_taken_and_cross_site_ones_refused(api):
    """Behind a proxy that ends TLS the browser's Origin is https while the service hears http."""
    dispute = await opened(api)
    take = f"/console/disputes/{dispute['id']}/take"
    host = api.make_url("").host + ":" + str(api.make_url("").port)
    for refused in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site", "Origin": f"https://{host}"}):
        answer = await api.post(take, data={"csrf": CSRF}, headers=staff() | refused, allow_redirects=False)
        assert answer.status == 403, refused
    proxied = {"Origin": f"https://{host}", "Sec-Fetch-Site": "same-origin", "X-Forwarded-Proto": "https"}
    answer = await api.post(take, data={"csrf": CSRF}, headers=staff() | proxied, allow_redirects=False)
    assert answer.status == 303
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["assignee"] == "inv-ayse"


async def test_behind_a_tls_proxy_the_console_s_cookies_are_secure(api):
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR)
    response = await api.post("/console/sign-in", data={"token": token, "csrf": CSRF}, allow_redirects=False,
                              headers=cookies() | {"X-Forwarded-Proto": "https"})
    assert response.status == 303 and response.cookies["console_session"]["secure"]
    page = await api.get("/console/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert page.cookies["console_csrf"]["secure"]


@pytest.mark.parametrize("version, seen_at", [("²", ""), ("9" * 5000, ""), ("12345678901234567890", ""),
                                              ("1", "2026-11-18T09:30:00")])
async def test_a_tampered_decision_form_is_refused_in_words_never_an_error(api, version, seen_at):
    dispute = await opened(api)
    await api.post(f"/v1/disputes/{dispute['id']}/notes", json={"text": "Kargoyu aradım."}, headers=SUPERVISOR)
    form = {"csrf": CSRF, "outcome": "refund", "reason_code": "lost_in_transit", "note": "İade.", "version": version,
            "seen_at": seen_at}
    response = await api.post(f"/console/disputes/{dispute['id']}/decision", data=form, headers=staff())
    assert response.status in (412, 422) and 'id="refused"' in await response.text()
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["decision"] is None


async def test_the_console_s_files_and_the_docs_page_carry_security_headers(api):
    for path in ("/console/static/console.css", "/console/static/console.js", "/docs/init.js"):
        response = await api.get(path)
        assert response.status == 200 and response.headers["X-Content-Type-Options"] == "nosniff", path
    docs = await api.get("/docs")
    policy = docs.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert docs.headers["X-Content-Type-Options"] == "nosniff" and docs.headers["Referrer-Policy"] == "same-origin"


async def test_a_supervisor_assigns_a_case_and_an_investigator_asks_the_customer(api):
    dispute = await opened(api)
    path = f"/console/disputes/{dispute['id']}"
    for member, record in (("inv-mehmet", {"name": "Mehmet <b>Kaya</b>", "role": "investigator"}),
                           ("inv-gone", {"name": "Eski Çalışan", "role": "investigator", "active": False})):
        assert (await api.put(f"/v1/staff/{member}", json=record, headers=SUPERVISOR)).status in (200, 201)
    not_theirs = await api.post(f"{path}/assign", data={"csrf": CSRF, "assignee": "inv-mehmet"}, headers=staff())
    assert not_theirs.status == 403 and 'id="refused"' in await not_theirs.text()
    assigned = await api.post(f"{path}/assign", data={"csrf": CSRF, "assignee": "inv-mehmet"},
                              headers=staff(Role.SUPERVISOR, "sup-zeynep"), allow_redirects=False)
    assert assigned.status == 303
    bad_id = await api.post(f"{path}/assign", data={"csrf": CSRF, "assignee": '{"$ne": 1}'},
                            headers=staff(Role.SUPERVISOR, "sup-zeynep"))
    assert bad_id.status == 422
    asked = await api.post(f"{path}/questions", data={"csrf": CSRF, "question": "Kapıcıya sordunuz mu?"},
                           headers=staff(), allow_redirects=False)
    assert asked.status == 303
    timeline = await (await api.get(f"/v1/disputes/{dispute['id']}/timeline", headers=INVESTIGATOR)).json()
    actions = [(e["action"], e["actor"], e["details"]) for e in timeline["entries"]]
    assert [(actor, d.get("assignee")) for a, actor, d in actions if a == "assigned"] == [("sup-zeynep", "inv-mehmet")]
    assert [d["question"] for a, _, d in actions if a == "information_requested"] == ["Kapıcıya sordunuz mu?"]
    page = await (await api.get(path, headers=staff(Role.SUPERVISOR, "sup-zeynep"))).text()
    assert 'action="' + path + '/assign"' in page
    assert 'action="' + path + '/questions"' not in page  # the question is open: no other until it is answered
    offered = re.findall(r'<option value="([^"]+)">([^<]*)</option>', page.split('id="staff-list"')[1].split("</datalist>")[0])
    assert ("inv-mehmet", "Mehmet &lt;b&gt;Kaya&lt;/b&gt; (Araştırmacı)") in offered  # as text
    assert [member for member, _ in offered] == ["inv-ayse", "inv-mehmet", "sup-zeynep"]  # the active members


def forms_on(page: str) -> set[str]:
    """What the case page's forms post to, after the case's address."""
    return set(re.findall(r'<form method="post" action="/console/disputes/[^/"]+/([^"]+)"', page))


async def test_the_case_page_offers_each_form_only_where_the_service_takes_it(api):
    dispute = await opened(api)
    path, one = f"/console/disputes/{dispute['id']}", f"/v1/disputes/{dispute['id']}"
    supervisor = staff(Role.SUPERVISOR, "sup-zeynep")
    # Open, no one's, no flags: no release, no reopening, no flags to clear.
    assert forms_on(await (await api.get(path, headers=supervisor)).text()) == {
        "take", "evidence-requests", "messages", "questions", "decision", "assign", "notes"}
    refund = {"outcome": "refund", "reason_code": "lost_in_transit", "note": "Kargo kaybetti."}
    assert (await api.post(one + "/decision", json=refund, headers={**SUPERVISOR, "If-Match": "*"})).status == 200
    # Decided: nothing to take, ask the carrier or the customer, or decide; a supervisor may reopen it.
    assert forms_on(await (await api.get(path, headers=staff())).text()) == {"messages", "notes"}
    assert forms_on(await (await api.get(path, headers=supervisor)).text()) == {"messages", "notes", "reopen"}
    for refused in ("take", "evidence-requests", "decision"):  # as the service answers them
        answer = await api.post(f"{path}/{refused}", data={"csrf": CSRF}, headers=staff(), allow_redirects=False)
        assert answer.status in (409, 412, 422), refused


async def test_choosing_a_language_goes_back_to_a_console_page_only(api):
    for back, location in (("/console?carrier=aras", "/console?carrier=aras"), ("https://evil.example/", "/console"),
                           ("/console\r\nSet-Cookie: console_session=forged", "/console")):
        chosen = await api.post("/console/language", data={"csrf": CSRF, "lang": "tr", "next": back},
                                headers=cookies(), allow_redirects=False)
        assert (chosen.status, chosen.headers["Location"]) == (303, location), back


async def test_taking_and_assigning_follow_the_staff_directory_as_the_api_does(api):
    dispute = await opened(api)
    path = f"/console/disputes/{dispute['id']}"
    record = {"name": "Ayşe Yılmaz", "role": "investigator", "active": False}
    assert (await api.put("/v1/staff/inv-ayse", json=record, headers=SUPERVISOR)).status in (200, 201)
    english = "; console_lang=en"  # the domain's own words
    inactive = await api.post(f"{path}/take", data={"csrf": CSRF}, headers={"Cookie": staff()["Cookie"] + english})
    assert inactive.status == 403 and "inactive" in await inactive.text()
    unknown = await api.post(f"{path}/assign", data={"csrf": CSRF, "assignee": "inv-nobody"},
                             headers={"Cookie": staff(Role.SUPERVISOR, "sup-zeynep")["Cookie"] + english})
    assert unknown.status == 422 and "No staff member inv-nobody" in await unknown.text()
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["assignee"] is None and case["version"] == dispute["version"]


@pytest.mark.parametrize("evidence_interval", [0.05])
@pytest.mark.parametrize("app_changes", [{"policy_repeat_claims": 1}], ids=["restricting"])
async def test_a_supervisor_reviews_the_account_restriction_from_the_case_page(api):
    dispute = await opened(api)

    async def restriction():
        return (await (await api.get(f"/v1/disputes/{dispute['id']}", headers=SUPERVISOR)).json())["restriction"]

    await eventually(restriction, timeout=10, explain="no restriction was raised")
    path = f"/console/disputes/{dispute['id']}"
    supervisor = staff(Role.SUPERVISOR, "sup-zeynep") | {"Accept-Language": "en"}
    page = await (await api.get(path, headers=supervisor)).text()
    assert "pending review" in page and f'action="{path}/restriction/review"' in page
    form = {"csrf": CSRF, "decision": "confirm", "reason": "Aynı adrese üç talep."}
    refused = await api.post(f"{path}/restriction/review", data=form, headers=staff())
    assert refused.status == 403 and 'id="refused"' in await refused.text()
    confirmed = await api.post(f"{path}/restriction/review", data=form, headers=supervisor, allow_redirects=False)
    assert confirmed.status == 303
    assert (await restriction())["state"] == "confirmed"
    again = await api.post(f"{path}/restriction/review", data=form, headers=supervisor)
    assert again.status == 409 and "already confirmed" in await again.text()


async def test_the_session_token_reaches_no_log_line_and_no_page(api, log_audit):
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR)
    signed = await api.post("/console/sign-in", data={"token": token, "csrf": CSRF}, headers=cookies(),
                            allow_redirects=False)
    assert signed.status == 303 and signed.headers["Location"] == "/console"
    refused = await api.post("/console/sign-in", data={"token": token[:-2], "csrf": CSRF}, headers=cookies())
    assert refused.status == 401 and token[:-2] not in await refused.text()
    dispute = await opened(api)
    pages = [await (await api.get(path, headers=cookies(token))).text()
             for path in ("/console", f"/console/disputes/{dispute['id']}", "/console/reports")]
    assert all("inv-ayse" in page for page in pages) and not [page for page in pages if token in page]
    signature = token.rsplit(".", 1)[1]
    assert signature not in log_audit.getvalue()


@pytest.mark.parametrize("app_changes", [{"rate_limit_client_burst": 2, "rate_limit_client_per_second": 0.01}])
async def test_the_console_counts_against_the_staff_member_s_rate_limit_and_says_so(api):
    dispute = await opened(api)
    headers = staff() | {"Accept-Language": "en"}
    for left in (1, 0):
        page = await api.get("/console", headers=headers)
        assert page.status == 200 and f"r={left}" in page.headers["RateLimit"]
    slowed = await api.get(f"/console/disputes/{dispute['id']}", headers=headers)
    assert slowed.status == 429 and slowed.content_type == "text/html" and int(slowed.headers["Retry-After"]) > 0
    assert "Too many requests" in await slowed.text()
    taken = await api.post(f"/console/disputes/{dispute['id']}/take", data={"csrf": CSRF}, headers=headers)
    assert taken.status == 429
    assert (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).status == 429  # one budget


async def test_a_form_too_large_to_take_is_a_page_that_says_so(api):
    dispute = await opened(api)
    note = {"csrf": CSRF, "text": "ğ" * 20_000}  # each letter six bytes once form-encoded: past the body limit
    response = await api.post(f"/console/disputes/{dispute['id']}/notes", data=note,
                              headers=staff() | {"Accept-Language": "en"})
    assert response.status == 413 and response.content_type == "text/html"
    assert "too long" in await response.text()


async def test_signing_in_goes_back_to_the_console_page_asked_for(api):
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR)
    page = await api.get("/console/sign-in?next=/console/disputes/d-1%3Fdone", headers=cookies())
    assert 'name="next" value="/console/disputes/d-1?done"' in await page.text()
    for back, location in (("/console/disputes/d-1?done", "/console/disputes/d-1?done"),
                           ("https://evil.example/console", "/console"), ("/console\r\nX: y", "/console")):
        signed = await api.post("/console/sign-in", data={"token": token, "csrf": CSRF, "next": back},
                                headers=cookies(), allow_redirects=False)
        assert (signed.status, signed.headers["Location"]) == (303, location), back
    refused = await api.post("/console/sign-in", data={"token": "nope", "csrf": CSRF, "next": "/console/reports"},
                             headers=cookies())
    assert refused.status == 401 and 'name="next" value="/console/reports"' in await refused.text()



async def test_the_console_s_queue_reads_a_cursor_only_with_the_filters_it_was_made_for(api):
    for order_id in ("ord-1", "ord-2"):
        await opened(api, order_id)
    listed = await (await api.get("/v1/disputes?limit=1&status=opened", headers=INVESTIGATOR)).json()
    cursor = listed["next_cursor"]  # the console signs as the API does, for the same caller and filters
    assert cursor

    same = await api.get(f"/console?status=opened&cursor={cursor}", headers=staff())
    other = await api.get(f"/console?status=resolved&cursor={cursor}", headers=staff())

    assert same.status == 200 and 'class="error"' not in await same.text()
    assert other.status == 422 and "cursor" in await other.text()


async def test_choosing_a_language_on_a_form_s_answer_goes_back_to_the_case_page(api):
    dispute = await opened(api)
    case = f"/console/disputes/{dispute['id']}"
    form = {"csrf": CSRF, "outcome": "refund", "reason_code": "no_such_reason", "note": "Kept", "version": "1"}
    refused = await api.post(f"{case}/decision", data=form, headers=staff())
    assert refused.status == 422 and f'name="next" value="{case}"' in await refused.text()
    unsigned = await api.post(f"{case}/notes", data={"csrf": CSRF, "text": "Not sent"}, headers=cookies())
    page = await unsigned.text()
    assert unsigned.status == 401 and f'name="next" value="{case}"' in page
    assert f'href="/console/sign-in?next={case}"' in page  # signing in comes back to the case
    chosen = await api.post("/console/language", data={"csrf": CSRF, "lang": "en", "next": case}, headers=staff(),
                            allow_redirects=False)
    assert (chosen.status, chosen.headers["Location"]) == (303, case)


async def test_a_date_filter_is_a_whole_day_in_istanbul(api, clock):
    clock.offset = datetime.combine(NOW.date(), time(22, 30), UTC) - NOW  # 01:30 the next day in Istanbul
    dispute = await opened(api)
    istanbul_day = (NOW.date() + timedelta(days=1)).isoformat()
    for search, shown in ((f"opened_from={istanbul_day}&opened_to={istanbul_day}", True),
                          (f"opened_to={istanbul_day}", True), (f"opened_from={istanbul_day}", True),
                          (f"opened_to={NOW.date().isoformat()}", False),
                          (f"opened_from={(NOW.date() + timedelta(days=2)).isoformat()}", False)):
        page = await api.get(f"/console?{search}", headers=staff())
        assert page.status == 200 and (dispute["id"] in await page.text()) is shown, search


async def test_the_carrier_filter_offers_the_registry_s_carriers_and_refuses_others_in_words(api):
    dispute = await opened(api, "ord-2")
    page = await (await api.get("/console", headers=staff())).text()
    assert '<option value="aras" >Aras Kargo</option>' in page and '<option value="yurtici" >Yurtiçi Kargo</option>' in page
    assert dispute["id"] in await (await api.get("/console?carrier=aras", headers=staff())).text()
    for unknown in ("Aras", "ARAS", "kargo"):
        refused = await api.get(f"/console?carrier={unknown}", headers=staff())
        assert refused.status == 422 and "carrier: no carrier is known by that code" in await refused.text(), unknown


async def test_a_filter_given_twice_in_the_address_is_refused_as_the_api_refuses_it_not_read_as_the_first_one(api):
    await opened(api, "ord-2")
    for path in ("/console", "/console/disputes.csv"):
        refused = await api.get(f"{path}?compensation=refund&compensation=reship", headers=staff())
        assert refused.status == 422 and "given twice" in await refused.text(), path
    assert (await api.get("/console?compensation=refund", headers=staff())).status == 200


async def test_the_turkish_case_page_shows_words_and_turkish_amounts_not_codes(api):
    dispute = await opened(api)
    case = f"/console/disputes/{dispute['id']}"
    page = await (await api.get(case, headers={"Cookie": staff()["Cookie"] + "; console_lang=tr"})).text()
    assert '<option value="weak_proof" >Zayıf teslimat kanıtı</option>' in page
    assert '<option value="carrier_no_proof" >Kargo firması teslimi kanıtlayamadı</option>' in page
    assert [code.value for code in ReasonCode if f">{code.value}<" in page] == [] and "TRY" not in page
    assert re.search(r">\d{1,3}(\.\d{3})*,\d{2} TL<", page), "amounts as Turkish writes them"
    assert "(Müşteri)</span> <strong>açıldı</strong>" in page and "<strong>opened</strong>" not in page, "in words"
    english = await (await api.get(case, headers={"Cookie": staff()["Cookie"] + "; console_lang=en"})).text()
    assert re.search(r">\d{1,3}(,\d{3})*\.\d{2} TRY<", english) and ">Weak proof of delivery<" in english


@pytest.mark.parametrize("evidence_interval", [0.02])  # the workers assess it soon after it opens
async def test_the_case_page_and_the_queue_write_the_confidence_as_the_page_s_language_does(api):
    dispute = await opened(api)

    async def assessed():
        return (await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json())["recommendation"]

    recommendation = await eventually(assessed)
    assert recommendation, "never assessed"
    confidence = round(recommendation["confidence"] * 100)
    case = f"/console/disputes/{dispute['id']}"
    for lang, written in (("tr", f"(%{confidence} güven)"), ("en", f"({confidence}% confidence)")):
        page = await (await api.get(case, headers={"Cookie": staff()["Cookie"] + f"; console_lang={lang}"})).text()
        assert written in page
    for lang, written in (("tr", f"<small>(%{confidence})</small>"), ("en", f"<small>({confidence}%)</small>")):
        page = await (await api.get("/console", headers={"Cookie": staff()["Cookie"] + f"; console_lang={lang}"})).text()
        assert written in page, lang  # and the queue as the case page


async def test_the_console_writes_times_in_istanbul_and_a_deadline_as_the_day_it_ends(api):
    dispute = await opened(api)
    case = f"/console/disputes/{dispute['id']}"
    dispute = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    due = datetime.fromisoformat(dispute["sla"]["decision_due"]).astimezone(ISTANBUL)
    opened_at = datetime.fromisoformat(dispute["opened_at"]).astimezone(ISTANBUL)
    assert (due.hour, due.minute) == (0, 0)  # the midnight that ends the promised day

    for lang, zone in (("tr", "TSİ"), ("en", "Istanbul")):
        page = await (await api.get(case, headers={"Cookie": staff()["Cookie"] + f"; console_lang={lang}"})).text()
        assert f"{due - timedelta(days=1):%d.%m.%Y} 24:00 {zone}" in page
        assert f"{opened_at:%d.%m.%Y %H:%M} {zone}" in page and " UTC" not in page


async def test_the_decisions_by_carrier_count_missing_item_decisions_as_the_api_does(api):
    claim = {"order_id": "ord-1", "statement": "Kutu boş geldi.", "preferred_resolution": "refund",
             "claim": "missing_items", "missing_items": [{"sku": "sku-kettle", "quantity": 1}]}
    opened = await api.post("/v1/disputes", json=claim, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "Paketleme kaydı yok."}
    decided = await api.post(f"/v1/disputes/{(await opened.json())['id']}/decision", json=decision,
                             headers={**INVESTIGATOR, "If-Match": '"1"'})
    assert decided.status == 200, await decided.text()
    report = await (await api.get("/v1/reports/carriers?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z",
                                  headers=SUPERVISOR)).json()
    assert [(row["carrier"], row["outcomes"]["refund"], row["partial_outcomes"]["refund"])
            for row in report["carriers"]] == [("yurtici", 0, 1)]
    page = await (await api.get("/console/reports?from=2026-11-01&to=2026-11-30", headers=staff())).text()
    chart = page[page.index('aria-labelledby="decisions-chart"'):page.index("</svg>")]
    assert "<title>yurtici: iade 1</title>" in chart and 'class="chart-value">1</text>' in chart


async def test_a_report_s_period_is_whole_days_in_istanbul_from_the_first_to_the_last(api, clock):
    clock.offset = datetime.combine(NOW.date(), time(22, 30), UTC) - NOW  # 01:30 the next day in Istanbul
    await opened(api)
    istanbul_day = NOW.date() + timedelta(days=1)
    later = istanbul_day + timedelta(days=1)
    for first, last, shown in ((istanbul_day, istanbul_day, True), (NOW.date(), None, True),  # to today in Istanbul
                               (NOW.date(), NOW.date(), False), (later, later, False)):
        query = f"from={first}" + (f"&to={last}" if last else "")
        response = await api.get(f"/console/reports?{query}", headers=staff())
        page = await response.text()
        assert response.status == 200 and ('class="chart-label">yurtici<' in page) is shown, query
        assert f'id="from" name="from" type="date" value="{first}"' in page and f'value="{last or istanbul_day}"' in page


@pytest.mark.parametrize(("query", "why"), [
    ("from=2026-12-01&to=2026-11-01", "The To day is before the From day."),
    ("from=2026-11-31", "Give each day as a date (YYYY-MM-DD)."),
    ("from=2024-01-01&to=2025-01-01", "A period is at most 366 days."),
    ("to=1900-01-10", "Give days from 1900-01-01 to 9998-12-31."),
])
async def test_a_refused_report_period_says_why_in_the_page_s_language(api, query, why):
    refused = await api.get(f"/console/reports?{query}", headers={"Cookie": staff()["Cookie"] + "; console_lang=en"})
    assert refused.status == 422 and f"<li>{why}</li>" in await refused.text()


async def test_the_carrier_filter_takes_digital_delivery_as_the_api_s_queue_does(api):
    parcel = await opened(api)
    listed = await api.get("/v1/disputes?carrier=digital", headers=INVESTIGATOR)
    assert listed.status == 200 and (await listed.json())["items"] == []
    page = await api.get("/console?carrier=digital", headers={"Cookie": staff()["Cookie"] + "; console_lang=en"})
    text = await page.text()
    assert page.status == 200 and parcel["id"] not in text
    assert '<option value="digital" selected>Digital delivery</option>' in text


async def test_a_refusal_on_a_turkish_page_says_why_in_turkish_with_the_detail_and_in_english_on_an_english_one(api):
    dispute = await opened(api)
    case = f"/console/disputes/{dispute['id']}"
    for path, form, who, turkish in (
        ("reopen", {"reason": "yeni kanıt"}, staff(), "Bunu rolünüzle yapamazsınız; bir süpervizör yapabilir."),
        ("assign", {"assignee": "inv-nobody"}, staff(Role.SUPERVISOR, "sup-zeynep"),
         "Personel listesinde bu numarayla kimse yok."),
    ):
        pages = {}
        for lang in ("tr", "en"):
            response = await api.post(f"{case}/{path}", data={"csrf": CSRF, **form},
                                      headers={"Cookie": f"{who['Cookie']}; console_lang={lang}"})
            assert response.status in (403, 422), path
            pages[lang] = await response.text()
        english = pages["en"][pages["en"].index('id="refused"'):].split("<li>")[1].split("</li>")[0]
        assert english and turkish not in pages["en"], path  # the domain's own detail, alone on the English page
        assert f"<li>{turkish} (Ayrıntı: {english})</li>" in pages["tr"], path  # the specifics follow the sentence


@pytest.mark.parametrize("app_changes", [{"console_dev_sign_in": True}], ids=["sandbox"])
async def test_the_development_sign_in_goes_back_to_the_console_page_asked_for(api):
    asked = await (await api.get("/console/sign-in?next=/console/reports", headers=cookies())).text()
    assert 'href="/console/dev-sign-in?next=/console/reports"' in asked
    page = await (await api.get("/console/dev-sign-in?next=/console/reports", headers=cookies())).text()
    assert '<input type="hidden" name="next" value="/console/reports">' in page
    for back, location in (("/console/reports", "/console/reports"), ("https://evil.example/", "/console")):
        signed = await api.post("/console/dev-sign-in", data={"csrf": CSRF, "staff": "sup-zeynep", "next": back},
                                headers=cookies(), allow_redirects=False)
        assert (signed.status, signed.headers["Location"]) == (303, location), back


async def test_a_signature_and_a_document_the_carrier_keeps_as_a_link_are_opened_from_the_case_page(api):
    """DHL Express's ePOD page (`signatureUrl`, `documentUrl`): the page links it, in a tab told nothing of the
    console, and draws nothing from the carrier's address."""
    dispute = await opened(api)
    epod = "https://mydhl.express.dhl/epod/1234567890.pdf"
    linked = Evidence(key="ev-epod", proof=proof().model_copy(update={
        "signature": Attachment(kind=AttachmentKind.SIGNATURE, url=epod),
        "document": Attachment(kind=AttachmentKind.DOCUMENT, url=epod),
    }))


    def attached_and_assessed(case: Dispute) -> None:
        case.attach_evidence(SYSTEM, linked, NOW)
        case.record_assessment(SYSTEM, recommend(case, CustomerHistory(), NOW, PolicySettings()), NOW,
                               timedelta(hours=72))

    await api.server.app[SERVICE].apply(SYSTEM, dispute["id"], attached_and_assessed)

    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=staff())).text()

    links = re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener noreferrer" class="carrier-link">', page)
    assert links == [epod, epod]
    assert f'src="{epod}"' not in page
    [signed] = re.findall(r'<li class="finding[^"]*">.*?İmza var.*?</li>', page, re.S)  # the finding the proof backs
    assert f'<a href="{epod}" target="_blank" rel="noopener noreferrer">proof.signature</a>' in signed
