"""MNG Kargo / DHL eCommerce Türkiye: REST pull (IBM API Connect client keys + bearer token) and partner push.

A pull asks ``standardqueryapi/getshipment/{referenceId}`` (the shipment, its status code, who took it, its
pieces) and, for a reference MNG knows, ``standardqueryapi/trackshipment/{referenceId}`` (its history, with
the delivery time on the delivered event). MNG supplies no signature, photo or position; such evidence comes
only through the partner webhook. Fields and their public sources: ``mapping``'s docstring and
``tests/fixtures/carriers/mng/PROVENANCE.md``.
"""
