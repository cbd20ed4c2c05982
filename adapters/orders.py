"""Where order facts come from: a JSON file (embedded default, demo) or the marketplace's order service.

    OrdersUnavailable   the order service gave no usable answer: down after every retry, no answer within the
                        lookup's budget, an unexpected status, a 404 that is not its problem document, or a body that
                        is not the order asked for (not an order, another ``order_id``, or past ``MAX_ANSWER_BYTES``).
                        An unknown order is ``None``, not an error.

Only the order service's own 404, its problem document (``application/problem+json``), says "no such order" (or "no
packing record"): any other 404 (an ingress with no route during a deploy, a web server's page, a base URL missing
its path) says nothing of the order, as with the digital provider (``adapters.digital``).
"""

import asyncio
from pathlib import Path
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from adapters.downstream import MAX_ANSWER_BYTES, DownstreamClient, Reply, Transient
from disputes.ports import PackingRecordUnavailable
from schemas.orders import Order, PackedOrder, PackingRecord


PROBLEM_JSON = "application/problem+json"
"""The media type of the order service's problem documents (RFC 9457), its 404s among them (``adapters.web.problems``
names it too, and imports this module)."""


class OrdersUnavailable(Exception):
    pass


class OrderFile(BaseModel):
    """The file format: ``{"orders": [...]}``, the same shape the demo seed writes."""

    orders: list[Order]


class PackingFile(BaseModel):
    """The sellers' packing records in the same file: a shipment's optional ``packing_record``."""

    orders: list[PackedOrder]


class FileOrderDirectory:
    """Orders read once from a JSON file at construction, so a broken file fails start-up, not a request."""

    def __init__(self, path: Path) -> None:
        content = path.read_bytes()
        document = OrderFile.model_validate_json(content)
        self._orders = {order.order_id: order for order in document.orders}
        if len(self._orders) != len(document.orders):
            raise ValueError(f"{path} lists the same order_id more than once")
        self._packing = {
            (order.order_id, shipment.shipment_id): shipment.packing_record
            for order in PackingFile.model_validate_json(content).orders
            for shipment in order.shipments
        }

    async def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    async def packing_record(self, order_id: str, shipment_id: str) -> PackingRecord | None:
        return self._packing.get((order_id, shipment_id))


class HttpOrderDirectory(DownstreamClient):
    """``GET {base}/orders/v1/orders/{order_id}``: 200 is the order, its 404 problem document ``None``. The seller's
    packing record of a package: ``GET …/orders/{order_id}/shipments/{shipment_id}/packing-record``, its 404 problem
    document ``None``.

    A customer waits on each lookup, so its backoff's ``budget`` bounds the whole of it, as a carrier call's budget
    does (``carriers.retry``): no try starts, nor waits to, past it, and the try in flight when it ends is cut there.
    """

    service = "orders"

    async def get(self, order_id: str) -> Order | None:
        try:
            reply = await self._lookup(f"/orders/v1/orders/{quote(order_id, safe='')}")
        except Transient as error:
            raise OrdersUnavailable(f"orders unavailable: {error}") from error
        if _not_found(reply):
            return None
        if reply.status == 404:
            raise OrdersUnavailable(_not_its_404(reply))
        if reply.status != 200:
            raise OrdersUnavailable(f"orders answered HTTP {reply.status}")
        if reply.oversized:
            raise OrdersUnavailable(f"orders answered an invalid order (over {MAX_ANSWER_BYTES} bytes)")
        try:
            order = Order.model_validate_json(reply.body)
        except ValidationError as error:
            # `from None`: the validation error quotes the input (names, addresses); its field paths suffice.
            fields = ", ".join(sorted({".".join(map(str, e["loc"])) for e in error.errors()}))
            raise OrdersUnavailable(f"orders answered an invalid order (fields: {fields})") from None
        if order.order_id != order_id:
            # A cache keyed wrongly, a fall-back to another order: never the order the customer claims about.
            raise OrdersUnavailable("orders answered an invalid order (fields: order_id, another order's)")
        return order

    async def packing_record(self, order_id: str, shipment_id: str) -> PackingRecord | None:
        path = f"/orders/v1/orders/{quote(order_id, safe='')}/shipments/{quote(shipment_id, safe='')}/packing-record"
        try:
            reply = await self._lookup(path)
        except Transient as error:
            raise PackingRecordUnavailable(f"orders unavailable: {error}") from error
        if _not_found(reply):
            return None
        if reply.status == 404:
            raise PackingRecordUnavailable(_not_its_404(reply))
        if reply.status != 200:
            raise PackingRecordUnavailable(f"orders answered HTTP {reply.status}")
        if reply.oversized:
            raise PackingRecordUnavailable(f"orders answered an invalid packing record (over {MAX_ANSWER_BYTES} bytes)")
        try:
            return PackingRecord.model_validate_json(reply.body)
        except ValidationError:
            raise PackingRecordUnavailable("orders answered an invalid packing record") from None

    async def _lookup(self, path: str) -> Reply:
        budget = self._backoff.budget
        try:
            async with asyncio.timeout(budget):
                return await self._request("GET", path)
        except TimeoutError:
            raise Transient(f"no answer within {budget:g}s") from None


def _not_found(reply: Reply) -> bool:
    """The order service's own "not found": a 404 with its problem document."""
    return reply.status == 404 and reply.media_type == PROBLEM_JSON


def _not_its_404(reply: Reply) -> str:
    return (f"orders answered HTTP 404 as {reply.media_type or 'no type'}, not its problem document: is "
            "DISPUTES_ORDERS_URL its address?")
