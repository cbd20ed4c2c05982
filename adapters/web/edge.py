"""The edge every request of the service passes: its context and log line (`request_context`), the body's
deadline while a body is still arriving, and problem+json, with the rate limit's reading, for whatever the
handler raised, in one layer.

Each route's handler is put behind it when the route is added (`at_edge`), not through aiohttp's middlewares:
with any middleware at all, aiohttp builds the chain and adds a layer of its own on every request (about 11k
instructions a request, counted with callgrind). So that nothing reaches the service past the edge, the routes
are added through `EdgeRoutes`, which also answers, last, the paths and methods no route takes."""

import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, NoReturn, cast

from aiohttp import HttpVersion11, hdrs, web
from aiohttp.typedefs import Handler

from adapters.observability import UNMATCHED, request_middleware
from adapters.web.limits import within_body_deadline
from adapters.web.problems import error_response
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
        takes = [(_matcher(resource.get_info()), frozenset(route.method for route in resource))
                 for resource in self.router.resources()]
        self.router.add_route("*", UNMATCHED, at_edge(partial(_unmatched, takes)))


type Matcher = Callable[[str], object]
"""Whether a resource's path matches a request's (truthy when it does)."""


def _matcher(info: Mapping[str, Any]) -> Matcher:
    if "pattern" in info:
        return cast(re.Pattern[str], info["pattern"]).fullmatch
    return cast(str, info["path"]).__eq__


async def _file(files: dict[str, Path], request: web.Request) -> web.FileResponse:
    if (path := files.get(request.match_info["name"])) is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"X-Content-Type-Options": "nosniff"})


async def _unmatched(takes: list[tuple[Matcher, frozenset[str]]], request: web.Request) -> NoReturn:
    """A path no route takes is a 404; a method its route does not take a 405 naming those it does (what aiohttp
    answers when no route matches)."""
    path = request.rel_url.path_safe
    allowed = set().union(*(methods for matches, methods in takes if matches(path)))
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()
