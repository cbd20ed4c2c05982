"""The carrier sandbox: one local app that plays every carrier in its own wire format, for the embedded
default, demos and integration tests. Each carrier lives under its code, so an adapter's ``base_url`` is
``<sandbox>/<code>`` (``sandbox_carrier_settings`` builds them all):

    /<code>/...   the carrier's own endpoints and handshakes, for each carrier it plays that we pull from
                  (``SANDBOX_CARRIERS``; see each module); wrong credentials get the carrier's refusal (401, or a
                  SOAP fault for the SOAP services); a carrier that only pushes has no endpoints
    /<code>/_pod/{tracking_number}/{signature|photo|pod}.png    the images carriers link to

    GET    /_sandbox/carriers             the carriers played, with their prefix and what they do
    GET    /_sandbox/shipments[?carrier=] the shipments the carriers know
    POST   /_sandbox/shipments            add or replace one shipment or a list (201); with auto-push on, each
                                          is pushed too and the service's answers are returned. A shipment
                                          needs carrier, tracking_number, scenario, recipient_name, lat and lon;
                                          the rest is optional (``shipments.SandboxShipment``)
    GET|PUT /_sandbox/auto-push           {"enabled": bool}: push every shipment added from now on
    POST   /_sandbox/push                 {"carrier", "tracking_number", "target"?}: POST the carrier's webhook
                                          to {target or push_target}/v1/carriers/{carrier}/webhooks; returns
                                          the service's status and answer (502 when it does not answer)
    POST   /_sandbox/faults               {"carrier", "mode", "times", "delay_seconds"}: the next `times`
                                          calls to the carrier's API fail so (modes in ``faults``)
    DELETE /_sandbox/faults               clear pending faults
    GET    /_sandbox/requests             {"requests": [...], "pushes": [...], "counts": {carrier: n}}
    DELETE /_sandbox/requests             forget them

Module map: ``shipments`` (the model and scenarios), ``facts`` (a scenario as carrier-neutral facts),
``kit`` (what a carrier module is made of), one module per carrier, ``partner`` (the signed partner push
the Turkish carriers share), ``soap``, ``auth``, ``faults``, ``push``, ``control``, ``app``, ``settings``.
"""

from sandbox.carriers.app import create_carrier_sandbox, serve_carrier_sandbox
from sandbox.carriers.settings import sandbox_carrier_settings
from sandbox.carriers.shipments import (
    DEMO_FILE,
    SandboxShipment,
    Scenario,
    demo_shipments,
    load_shipments,
    shipments_from,
)

__all__ = [
    "DEMO_FILE",
    "SandboxShipment",
    "Scenario",
    "create_carrier_sandbox",
    "demo_shipments",
    "load_shipments",
    "sandbox_carrier_settings",
    "serve_carrier_sandbox",
    "shipments_from",
]
