"""MNG Kargo / DHL eCommerce Türkiye: REST pull (IBM API Connect keys + bearer token) and partner push.

Confirmed (see ``shared/specs/README.md``): ``x-ibm-client-id`` / ``x-ibm-client-secret`` headers on every
call; a bearer token from ``POST /token`` (customer number and password); ``getshipmentstatus/{referenceId}``
and ``trackshipment/{referenceId}``, the latter's events carrying ``eventDateTime``, ``eventStatus``,
``description`` and ``location``.

Taken from third-party integrations: the ``/mngapi/api`` base, the ``/standardqueryapi`` prefix of the query
operations, the token body ``{customerNumber, password, identityType: 1}`` and its reply's ``jwt``.

Assumed: the token's lifetime (``token_lifetime_seconds``; a 401 fetches a new one at once); the status
reply as one object or a list of ``{referenceId, shipmentStatusCode, shipmentStatus, isDelivered,
deliveryDateTime, deliveredTo, deliveryBranch}`` and its status codes (see ``mapping.STATUS``); the track
reply as a list of events (or ``{"events": […]}``); 404 or an empty reply for an unknown reference; times
in ISO 8601 or ``dd.MM.yyyy HH:mm:ss``, Istanbul time unless an offset is given.
"""
