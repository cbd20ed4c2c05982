"""Sürat Kargo as the sandbox plays it: no API to pull from, pushes through the partner webhook only, each
event one of Sürat's samples (``tests/fixtures/carriers/surat/``) with its values changed.

Its shipments reach the service only when pushed: by ``POST /_sandbox/push``, by the auto-push switch, or,
when the sandbox has a push target, once at start-up (see ``push``).
"""

from sandbox.carriers.kit import SandboxCarrier
from sandbox.carriers.partner import partner_credentials, partner_webhook

CODE = "surat"

SURAT = SandboxCarrier(
    code=CODE,
    credentials=partner_credentials(CODE),
    webhook=partner_webhook(CODE, samples=CODE),
)
