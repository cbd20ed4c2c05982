"""Conditional GET (RFC 9110 §13.1.2): every resource answers with an ETag (a dispute's is its version and view:
`preconditions.dispute_tag`; anything else's the SHA-256 of its body, a queue page's taken from its rows' own:
`views.QueueRows`), and If-None-Match naming it (or "*") gets 304 with the ETag and no body."""

import hashlib

from aiohttp import web

from adapters.web.byte_ranges import none_match

KEPT_ON_304 = ("ETag", "Cache-Control", "Vary")
"""What a 304 repeats of the answer it stands for (§15.4.5)."""
UNVALIDATED = web.ResponseKey("etag_validates_state_only", bool)
"""Set on a response whose ETag names the state it shows but not all of it (a version, beside parts that change
without one): it is never answered 304, since the client's copy may differ."""


PRIVATE = "private, no-cache"
"""A signed-in caller's answer, unless its handler says otherwise: never kept by a shared cache, and a browser asks
again (304) before each showing, so a copy outlives neither a change nor the caller's access."""


def conditional(request: web.Request, response: web.StreamResponse, private: bool) -> web.StreamResponse:
    """`private`: the answer is a signed-in caller's (`PRIVATE`, unless its handler set a Cache-Control)."""
    if not isinstance(response, web.Response) or response.status != 200:
        return response  # a stream, a part or a 304 already: answered as the handler chose
    if private and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = PRIVATE
    tag = response.headers.get("ETag")
    if tag is None:
        body = response.body
        if not isinstance(body, bytes):
            return response
        tag = response.headers["ETag"] = f'"{hashlib.sha256(body).hexdigest()}"'
    given = request.headers.get("If-None-Match")
    if given is None or response.get(UNVALIDATED) or not none_match(given, tag):  # most requests send none
        return response
    return web.Response(status=304, headers={name: response.headers[name] for name in KEPT_ON_304
                                             if name in response.headers})
