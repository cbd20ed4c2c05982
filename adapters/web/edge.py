"""The edge every request of the service passes: its context and log line (`request_context`), the body's
deadline while a body is still arriving, and problem+json, with the rate limit's reading, for whatever the
handler raised, in one layer.

Each route's handler is put behind it when the route is added (`at_edge`), not through aiohttp's middlewares:
with any middleware at all, aiohttp builds the chain and adds a layer of its own on every request (about 11k
instructions a request, counted with callgrind). So that nothing reaches the service past the edge, the routes
are added through `EdgeRoutes`, which also answers, last, the paths and methods no route takes."""

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NoReturn, cast

from aiohttp import HttpVersion11, hdrs, web
from aiohttp.typedefs import Handler

from adapters.observability import UNMATCHED, request_middleware
from adapters.web.limits import within_body_deadline
from adapters.web.problems import ProblemError, error_response
from adapters.web.rate_limit import add_headers


async def answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.content.is_eof():  # no body, or all of it came with the headers: no deadline to keep
            return await handler(request)
        return await within_body_deadline(request, handler)
    except Exception as error:
        response = error_response(request, error)
        add_headers(request, response)  # a refusal carries the rate limit's reading too (a 429 its Retry-After)
        return response


edge = request_middleware(answer)


def at_edge(handler: Handler) -> Handler:
    """`handler` behind the edge."""
    return partial(edge, handler=handler)


type Refused = Callable[[web.Request], bool]
"""Whether a route refuses a request on its headers alone (before reading its body)."""
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


async def _expecting(refused: Refused, handler: Handler, request: web.Request) -> web.StreamResponse | None:
    """A route's expect handler (aiohttp runs it before the route's own, on a request with an `Expect` header): a
    request refused on its headers alone gets that refusal, from `handler` behind the edge, instead of `100 Continue`
    (RFC 9110 §10.1.1), so its body is not invited; an expectation other than `100-continue` is a 417 problem. Either
    answer closes the connection: the body not invited may follow or not. HTTP/1.0 has no expectations to meet."""
    if request.version != HttpVersion11:
        return None
    expected = {part.strip().lower() for value in request.headers.getall(hdrs.EXPECT) for part in value.split(",")}
    if expected == {"100-continue"} and not refused(request):
        await request.writer.write(_CONTINUE)
        request.writer.output_size = 0  # what is sent from here is the answer (aiohttp's own handler does the same)
        return None
    response = await edge(request, handler=handler if expected == {"100-continue"} else _expectation_failed)
    response.force_close()
    return response


async def _expectation_failed(request: web.Request) -> NoReturn:
    raise web.HTTPExpectationFailed(text="The only expectation taken is 100-continue.")


class EdgeRoutes:
    """Adds an application's routes, each behind the edge; `close` adds the one that takes what no other does."""

    def __init__(self, app: web.Application) -> None:
        self.router = app.router

    def get(self, path: str, handler: Handler) -> None:
        self.router.add_get(path, at_edge(handler))  # and HEAD: the same answer without its body

    def add(self, method: str, path: str, handler: Handler, refused: Refused | None = None) -> None:
        """A route; with `refused`, a request it refuses on its headers alone is refused before its body is invited
        (`Expect: 100-continue`)."""
        if method == "GET":
            self.get(path, handler)
        elif refused is None:
            self.router.add_route(method, path, at_edge(handler))
        else:
            self.router.add_route(method, path, at_edge(handler), expect_handler=partial(_expecting, refused, handler))

    def post(self, path: str, handler: Handler, refused: Refused | None = None) -> None:
        self.add("POST", path, handler, refused)

    def files(self, prefix: str, directory: Path) -> None:
        """The files under `directory`, listed once here: no path a request names is ever joined to the file
        system, so nothing outside them can be reached."""
        files = {path.relative_to(directory).as_posix(): path for path in directory.rglob("*") if path.is_file()}
        self.get(prefix + "/{name:.+}", partial(_file, files))

    def close(self) -> None:
        """The last route: what no other takes. Which methods each path takes is listed here, once."""
        takes = [Takes(_matcher(resource.get_info()), frozenset(route.method for route in resource), resource.canonical)
                 for resource in self.router.resources()]
        self.router.add_route("*", UNMATCHED, at_edge(partial(_unmatched, takes)))


type Matcher = Callable[[str], re.Match[str] | bool | None]
"""Whether a resource's path matches a request's (truthy when it does; a match names its segments)."""


@dataclass(frozen=True)
class Takes:
    """A resource: whether a path is its, the methods it takes and its path with its segments named."""

    matches: Matcher
    methods: frozenset[str]
    canonical: str


def _matcher(info: Mapping[str, Any]) -> Matcher:
    if "pattern" in info:
        return cast(re.Pattern[str], info["pattern"]).fullmatch
    return cast(str, info["path"]).__eq__


_WORD = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""A segment named back in a near miss's address (a carrier code, an id); any other is named by its placeholder."""
_CODES = frozenset({"carrier"})
"""Placeholders whose values are lower-case codes: named back in lower case; any other value as it was sent (an id
written with capitals is another resource in lower case)."""
_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""Capitals folded to lower case, ASCII only: a folded path keeps the length, so its segments line up with the path's."""
_NEAR_MISSES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("without the trailing slash, doubled slashes or capitals", lambda path: path),
    ("under /v1", lambda path: "/v1" + path),
    ("in the plural", lambda path: path + "s"),
)
"""Paths a client meant a route by, from the request's path written one way (no empty segments), compared in lower
case."""


def _near_miss(takes: list[Takes], method: str, path: str) -> str | None:
    """Where a request to a path no route takes probably meant to go, in words, or None."""
    plain = "/" + "/".join(segment for segment in path.split("/") if segment)
    for how, near in _NEAR_MISSES:
        sent = near(plain)
        candidate = sent.translate(_FOLD)
        for resource in takes:
            if candidate != path and method in resource.methods and (found := resource.matches(candidate)):
                named = {name: (candidate if name in _CODES else sent)[found.start(name):found.end(name)]
                         for name in found.groupdict()} if isinstance(found, re.Match) else {}
                address = resource.canonical.format_map(
                    {name: value if _WORD.fullmatch(value) else f"{{{name}}}" for name, value in named.items()})
                return (f"Nothing is at this address; {method} requests go to {address} ({how}). One here is not "
                        "redirected: send it there.")
    return None


async def _file(files: dict[str, Path], request: web.Request) -> web.FileResponse:
    if (path := files.get(request.match_info["name"])) is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"X-Content-Type-Options": "nosniff"})


async def _unmatched(takes: list[Takes], request: web.Request) -> NoReturn:
    """A path no route takes is a 404; a method its route does not take a 405 naming those it does (what aiohttp
    answers when no route matches). A 404 near a route's path (`/v1/carriers/ups/webhooks/`) names that route's."""
    path = request.rel_url.path_safe
    allowed = set().union(*(resource.methods for resource in takes if resource.matches(path)))
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    if near := _near_miss(takes, request.method, path):  # named, never redirected to: a POST's body would not follow
        raise ProblemError("not-found", near)
    raise web.HTTPNotFound()
