"""The one middleware every request of the service passes: its context and log line (`request_context`), the
body's deadline while a body is still arriving, and problem+json for whatever the handler raised, in one layer."""

from aiohttp import web
from aiohttp.typedefs import Handler

from adapters.observability import request_middleware
from adapters.web.limits import within_body_deadline
from adapters.web.problems import error_response


async def answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.content.is_eof():  # no body, or all of it came with the headers: no deadline to keep
            return await handler(request)
        return await within_body_deadline(request, handler)
    except Exception as error:
        return error_response(request, error)


edge = request_middleware(answer)
