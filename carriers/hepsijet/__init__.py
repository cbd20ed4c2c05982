"""HepsiJET: REST pull (token from Basic auth, sent as ``X-Auth-Token``, with the customer's ``apikey`` on
every call) and partner-webhook push.

The mapping reads what HepsiJET's integration document and public clients show (``mapping``'s docstring
lists every field and its sample; ``tests/fixtures/carriers/hepsijet/PROVENANCE.md`` names the sources).
A pull is ``getDeliveryTracking`` (state and steps) and, once delivered, ``integration/track`` (who took
it, a name HepsiJET often masks: ``"GAYE Ö***"``). HepsiJET publishes no signature, photo or coordinates in
these replies; such evidence reaches us only by the partner webhook.
"""
