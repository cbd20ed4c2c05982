"""A case's stored attachments over HTTP: the bytes, with the headers a browser needs to show them inline safely.

Every answer that concerns the file (200, 206, 304, 416) is a view recorded on the case's timeline: the use case
records it before the bytes are at hand. `Cache-Control: private, no-cache` keeps shared caches out and makes a
browser ask again (a cheap 304) each time it shows the file, so each showing is recorded too.
"""

import hashlib
from typing import Final

from aiohttp import web

from adapters.web.byte_ranges import Unsatisfiable, none_match, range_applies, requested_range
from adapters.web.endpoint import Call, Endpoint
from adapters.web.keys import REQUEST_ID
from adapters.web.problems import problem
from disputes.evidence_access import RAW_REPLY, EvidenceAccess, ViewedAttachment
from schemas.common import CUSTOMER_SIDE, Role

EVIDENCE = web.AppKey("evidence", EvidenceAccess)
ATTACHMENT_PATH: Final = "/v1/disputes/{id}/attachments/{ref}"
MEDIA_TYPES: Final = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif", "image/tiff": "tif",
    "application/pdf": "pdf", "text/html": "html",
    "application/json": "json", "application/xml": "xml", "application/octet-stream": "bin",
}
"""What the service stores (told by the bytes: `carriers.parsing.sniff`, `adapters.images`; a carrier's raw reply,
`disputes.evidence_access.reply_type`), and its file extension."""
SERVED: Final = {
    **dict.fromkeys(("image/jpeg", "image/png", "image/webp"),
                    "a carrier's signature or photo, or an image the customer sent"),
    **dict.fromkeys(("image/gif", "image/tiff"), "a carrier's signature or photo"),
    "application/pdf": "a carrier's proof-of-delivery document",
    "text/html": "a carrier's proof-of-delivery letter, as UPS sends it",
    "application/json": "a pulled proof's raw reply, its `raw_ref`: the carrier's replies to the pull as one JSON object, "
                        "`{carrier, replies: [{method, url, status, content_type, body or body_base64}]}`",
    "application/xml": "a raw reply kept as the carrier's XML, a SOAP answer",
    "application/octet-stream": "a raw reply in neither",
}
"""Each type `MEDIA_TYPES` names, and what is served as it: the file answers' description in the API document."""
SANDBOXED: Final = {
    "text/html": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
    "application/pdf": "sandbox",
    "application/xml": "sandbox; default-src 'none'",  # XML can carry XHTML and its scripts
}
"""The documents that can carry script and links, shown inline without scripts, forms or our origin: a carrier's
HTML letter (UPS's proof of delivery) and a PDF (FedEx's). A PDF stays inline, for investigators to read: the
browser's own viewer draws it under the sandbox (Chromium's does), which keeps its script and forms from running
as our origin. Its policy is the sandbox alone: fetch directives would bind the viewer's own page (drawn with
inline styles), not the file."""


def filename(viewed: ViewedAttachment) -> str:
    """A name made of the attachment's kind and reference only: nothing a sender chose reaches the header."""
    return f"{viewed.kind}-{viewed.ref}.{MEDIA_TYPES.get(viewed.media_type, 'bin')}"


def etag(viewed: ViewedAttachment) -> str:
    return f'"{hashlib.sha256(viewed.content).hexdigest()}"'


def attachment_response(request: web.Request, viewed: ViewedAttachment) -> web.Response:
    """The file as the request's validators and Range ask: 304 (their copy is current), 206 (a part), 416
    (no part of it), else 200 (all of it)."""
    tag = etag(viewed)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if none_match(request.headers.get("If-None-Match"), tag):
        return web.Response(status=304, headers=headers)
    size = len(viewed.content)
    headers |= {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'{"attachment" if viewed.kind == RAW_REPLY else "inline"}; filename="{filename(viewed)}"',
        "X-Content-Type-Options": "nosniff",
    }
    if (policy := SANDBOXED.get(viewed.media_type)) is not None:
        headers["Content-Security-Policy"] = policy
    wanted = None
    if range_applies(request.headers.get("If-Range"), tag):
        try:
            wanted = requested_range(request.headers.get("Range"), size)
        except Unsatisfiable:
            refused = problem(416, "range-not-satisfiable", "Range not satisfiable", f"The file is {size} bytes long.",
                              request_id=request.get(REQUEST_ID))
            refused.headers["Content-Range"] = f"bytes */{size}"
            return refused
    if wanted is None:
        return web.Response(body=viewed.content, content_type=viewed.media_type, headers=headers)
    headers["Content-Range"] = wanted.content_range(size)
    part = viewed.content[wanted.start: wanted.end + 1]
    return web.Response(status=206, body=part, content_type=viewed.media_type, headers=headers)


async def get_attachment(call: Call) -> web.Response:
    dispute_id, ref = call.path_id(), call.path_id("ref")
    shown = call.request.method != "HEAD"  # headers alone show nothing of the file (RFC 9110 §9.3.2)
    viewed = await call.request.app[EVIDENCE].view(call.actor, dispute_id, ref, shown)
    return attachment_response(call.request, viewed)


ENDPOINTS = (
    Endpoint("GET", ATTACHMENT_PATH, get_attachment,
             "A stored attachment of the case, shown inline (staff: all of them, and each pulled proof's raw reply from "
             "the carrier, its `raw_ref`, as a download; customers: the images they sent), a document (PDF, HTML, XML) in a "
             "sandbox (Content-Security-Policy: sandbox, no scripts); each view is recorded on the timeline (a HEAD, "
             "which sends no file, is not)", CUSTOMER_SIDE | {Role.INVESTIGATOR, Role.SUPERVISOR},
             headers=("Range", "If-Range"), errors=(404, 416),
             extra={"file": SERVED}),
)
