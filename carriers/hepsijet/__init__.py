"""HepsiJET: REST pull (token from Basic auth, sent as ``X-Auth-Token``) and partner-webhook push.

What public sources confirm, and what this package assumes (kept tolerant: unknown fields ignored,
every field optional, unknown codes mapped to ``unknown``):

Confirmed (HepsiJET's published integration notes, see ``shared/specs/README.md``):
    GET  /auth/getToken with HTTP Basic auth returns a token; later calls send it as ``X-Auth-Token``
    POST /deliveryTransaction/getDeliveryTracking, body ``{"deliveries": [{"customerDeliveryNo": …}]}``
    delivery statuses COLLECTED, READY, DELIVERING, DELIVERED, UNDELIVERED, RETURNED, CANCELLED
    non-delivery reasons RECIPIENT_NOT_FOUND, ADDRESS_NOT_FOUND, RECIPIENT_NOT_AVAILABLE, REFUSED, DAMAGED

Assumed (not public; our design of a plausible reply, see ``wire`` and the test fixtures):
    token reply ``{"status": "OK", "data": {"token": …}}`` (a top-level ``token`` is read too); no
        lifetime is stated, so ``token_lifetime_seconds`` applies and a 401 fetches a new token at once
    tracking reply ``{"status": "OK", "data": [delivery…]}``; an empty ``data`` is "not found", a status
        other than OK/SUCCESS is an error; a delivery carries ``customerDeliveryNo``, ``deliveryStatus``,
        ``undeliveredReason``, ``deliveredDate``, ``deliveredTo``, ``deliveredToRelation``,
        ``signatureUrl``, ``podImageUrl``, ``deliveryLocation{latitude, longitude, accuracy, address}``,
        ``courierName``, ``deliveryBranchName`` and ``transactions[]{transactionDate, deliveryStatus,
        undeliveredReason, description, city, town}``
    times are ISO 8601; without an offset they are Istanbul time
    the host names (production and test) in ``settings``
"""
