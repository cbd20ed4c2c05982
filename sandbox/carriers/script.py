"""``disputes sandbox-shipment``: script what a carrier will say about one tracking number, on a running
carrier sandbox (``POST /_sandbox/shipments``), so a case can be reproduced by hand.

    ./dev sandbox-shipment --carrier hepsijet --tracking HJ100 --recipient "Gaye Ünal" \\
        --status in_transit --status failed_attempt --status delivered --masked-name --no-signed
"""

import argparse
from typing import Any, get_args

from sandbox.carriers.registry import SANDBOX_CARRIERS
from sandbox.carriers.shipments import FaultMode, Scenario, SandboxShipment, Step
from sandbox.send import instant, post
from schemas.proof import RecipientRelation

FAULT_MODES: tuple[str, ...] = get_args(FaultMode)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", help="the carrier sandbox's base URL (default: http://127.0.0.1 on "
                                          "DISPUTES_CARRIER_SANDBOX_PORT, where `disputes embedded` serves it)")
    parser.add_argument("--carrier", required=True, choices=sorted(SANDBOX_CARRIERS), help="the carrier's code")
    parser.add_argument("--tracking", required=True, help="the tracking number")
    parser.add_argument("--scenario", choices=[s.value for s in Scenario], default=Scenario.DELIVERED.value,
                        help="what the carrier says happened (default: %(default)s)")
    parser.add_argument("--recipient", default="Ayşe Yılmaz", help="the addressee's name")
    parser.add_argument("--received-by", help="who took it (a neighbour's or doorman's name)")
    parser.add_argument("--relation", choices=[r.value for r in RecipientRelation], help="who took it, to the addressee")
    parser.add_argument("--delivered-at", type=instant,
                        help="when the carrier says it delivered, with its offset (default: an hour before the command; "
                             "give an order of your own the same time)")
    parser.add_argument("--status", action="append", choices=[s.value for s in Step], dest="statuses",
                        help="the state each successive pull finds (repeat, in order)")
    parser.add_argument("--signed", action=argparse.BooleanOptionalAction, default=None,
                        help="whether the proof carries a signature (default: as the scenario has it)")
    parser.add_argument("--photo", action=argparse.BooleanOptionalAction, default=None, dest="photographed",
                        help="whether the proof carries a photo (default: as the scenario has it)")
    parser.add_argument("--scan-distance-m", type=float, help="metres between the address and the delivery scan")
    parser.add_argument("--masked-name", action="store_true", help="the carrier masks the receiver's name")
    parser.add_argument("--status-code", help="report this raw carrier status code instead")
    parser.add_argument("--other-package", action="append", default=[], metavar="NUMBER[:delivered]",
                        help="another package of the same shipment (repeat)")
    parser.add_argument("--latency", type=float, default=0, dest="latency_seconds", help="seconds per data call")
    parser.add_argument("--fault", action="append", default=[], choices=FAULT_MODES, dest="faults",
                        help="the next data calls fail so, one per call (repeat, in order)")
    parser.add_argument("--lat", type=float, default=41.0082, help="the delivery address's latitude")
    parser.add_argument("--lon", type=float, default=28.9784, help="the delivery address's longitude")


def shipment_from(args: argparse.Namespace) -> SandboxShipment:
    """The scripted shipment the arguments describe (validated as the sandbox validates it)."""
    fields: dict[str, Any] = {
        "carrier": args.carrier, "tracking_number": args.tracking, "scenario": args.scenario,
        "recipient_name": args.recipient, "lat": args.lat, "lon": args.lon, "masked_name": args.masked_name,
        "latency_seconds": args.latency_seconds, "faults": args.faults, "statuses": args.statuses or [],
        "other_packages": [_package(spec) for spec in args.other_package],
    }
    optional = ("received_by", "relation", "delivered_at", "signed", "photographed", "scan_distance_m", "status_code")
    fields |= {name: getattr(args, name) for name in optional if getattr(args, name) is not None}
    return SandboxShipment.model_validate(fields)


async def send(sandbox: str, shipment: SandboxShipment) -> tuple[int, Any]:
    """Add (or replace) the shipment on the sandbox; its status and answer (``SystemExit`` with one line when
    the sandbox cannot be reached)."""
    return await post(sandbox, "/_sandbox/shipments", shipment.model_dump_json().encode(), "carrier sandbox")


def _package(spec: str) -> dict[str, Any]:
    number, _, state = spec.partition(":")
    return {"tracking_number": number, "delivered": state == "delivered"}
