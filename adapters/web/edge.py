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

from aiohttp import web
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


class EdgeRoutes:
    """Adds an application's routes, each behind the edge; `close` adds the one that takes what no other does."""

    def __init__(self, app: web.Application) -> None:
        self.router = app.router

    def get(self, path: str, handler: Handler) -> None:
        self.router.add_get(path, at_edge(handler))  # and HEAD: the same answer without its body

    def add(self, method: str, path: str, handler: Handler) -> None:
        if method == "GET":
            self.get(path, handler)
        else:
            self.router.add_route(method, path, at_edge(handler))

    def post(self, path: str, handler: Handler) -> None:
        self.add("POST", path, handler)

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
