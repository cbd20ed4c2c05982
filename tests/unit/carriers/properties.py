"""Property-test harness for carrier parsers: real samples, mutated the ways real replies differ.

A carrier's property tests take its fixture samples (``tests/fixtures/carriers/<carrier>/``) and let
hypothesis change them as carriers do: unknown fields added, fields removed, arrays reordered or
duplicated, values of the wrong type, codes nobody mapped, bodies cut short. Whatever comes in, a parser
must answer with a proof that keeps the invariants below (validation accepts it unchanged, among them), or
raise a typed ``CarrierRejected``.

    variant = draw(json_variants(sample))          # or xml_variants(raw) / truncations(raw)
    proof = tolerant(lambda: parse(ok(variant), NUMBER, RECEIVED), asked=NUMBER, says_delivered=...)

``says_delivered`` is the carrier's own status, read from the variant by the test (the carrier's words,
written in the test, never by the mapping): a proof may say "delivered" only when it is True.
"""

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from carriers.errors import CarrierRejected, CarrierUnavailable
from schemas.common import one_spelling
from schemas.proof import ProofOfDelivery, ProofStatus

FIXTURES = Path(__file__).parents[2] / "fixtures" / "carriers"
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Hypothesis settings for carrier property tests: enough variants per sample, without a time limit."""

_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.builds(list),  # a new empty container each time: one shared object could end up nested in itself
    st.builds(dict),
    st.just(""),
)
_UNKNOWN_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzXYZ_", min_size=1, max_size=12).map(lambda k: f"zz{k}")


def sample(carrier: str, name: str) -> bytes:
    return (FIXTURES / carrier / name).read_bytes()


def sample_json(carrier: str, name: str) -> Any:
    return json.loads(sample(carrier, name))


def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _containers(value, (*path, key))
    elif isinstance(node, list):
        yield path, node
        for index, value in enumerate(node):
            yield from _containers(value, (*path, index))


@st.composite
def json_variants(draw: st.DrawFn, original: Any, max_changes: int = 3) -> Any:
    """``original`` with one to ``max_changes`` changes, each somewhere in the document."""
    document = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, max_changes))):
        containers = list(_containers(document))
        if not containers:
            return draw(_ODD_VALUES)
        _, node = draw(st.sampled_from(containers))
        if isinstance(node, dict):
            _change_object(draw, node)
        else:
            _change_array(draw, node)
    return document


def _change_object(draw: st.DrawFn, node: dict[str, Any]) -> None:
    keys = list(node)
    change = draw(st.sampled_from(["add", "remove", "retype", "recode"] if keys else ["add"]))
    if change == "add":
        node[draw(_UNKNOWN_KEYS)] = draw(_ODD_VALUES)
        return
    key = draw(st.sampled_from(keys))
    if change == "remove":
        del node[key]
    elif change == "retype":
        node[key] = draw(_ODD_VALUES)
    else:  # a code or word the carrier has never sent before
        node[key] = draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1, max_size=8))


def _change_array(draw: st.DrawFn, node: list[Any]) -> None:
    change = draw(st.sampled_from(["reorder", "duplicate", "remove", "add"] if node else ["add"]))
    if change == "reorder":
        node[:] = draw(st.permutations(node))
    elif change == "duplicate":
        node.append(copy.deepcopy(draw(st.sampled_from(node))))
    elif change == "remove":
        del node[draw(st.integers(0, len(node) - 1))]
    else:
        node.append(draw(_ODD_VALUES))


@st.composite
def xml_variants(draw: st.DrawFn, original: bytes, max_changes: int = 3) -> bytes:
    """The XML document ``original`` with elements removed, repeated, reordered, added or re-texted."""
    root = ElementTree.fromstring(original)
    for _ in range(draw(st.integers(1, max_changes))):
        parents = [element for element in root.iter() if len(element)]
        if not parents:  # everything below the root was removed
            break
        parent = draw(st.sampled_from(parents))
        children = list(parent)
        change = draw(st.sampled_from(["remove", "duplicate", "reorder", "add", "retext"]))
        child = draw(st.sampled_from(children))
        if change == "remove":
            parent.remove(child)
        elif change == "duplicate":
            parent.insert(children.index(child), copy.deepcopy(child))
        elif change == "reorder":
            for element in children:
                parent.remove(element)
            parent.extend(draw(st.permutations(children)))
        elif change == "add":
            ElementTree.SubElement(parent, draw(_UNKNOWN_KEYS)).text = draw(st.text(max_size=8))
        else:
            target = draw(st.sampled_from([e for e in child.iter() if not len(e)] or [child]))
            target.text = draw(st.one_of(st.none(), st.text(max_size=12)))
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def truncations(original: bytes) -> st.SearchStrategy[bytes]:
    """``original`` cut short anywhere (a reply the connection dropped half-way)."""
    return st.integers(0, max(len(original) - 1, 0)).map(lambda n: original[:n])


def tolerant(
    parse: Callable[[], ProofOfDelivery], *, asked: str, says_delivered: bool
) -> ProofOfDelivery | None:
    """Run ``parse``: a typed error the retry policy understands is fine (None); anything else it raises fails
    the test. A proof it returns is about ``asked``, says delivered only if the carrier did, and carries no
    delivery facts unless delivered."""
    try:
        proof = parse()
    except (CarrierRejected, CarrierUnavailable):
        return None
    check(proof, asked=asked, says_delivered=says_delivered)
    return proof


def check(proof: ProofOfDelivery, *, asked: str, says_delivered: bool) -> None:
    # Some mappings assemble the proof from values they checked themselves (``of_checked``): it must be
    # exactly what validating those values makes.
    validated = ProofOfDelivery.model_validate(proof.model_dump())
    assert validated == proof and validated.model_dump_json() == proof.model_dump_json(), "validation would change it"
    assert proof.tracking_number == one_spelling(asked)  # the numbers in their one spelling
    assert proof.package_number in (None, one_spelling(asked)), "proof taken from another package"
    assert all(package.number != asked for package in proof.packages), "the asked package listed as another"
    if proof.status is ProofStatus.DELIVERED:
        assert says_delivered, "delivered although the carrier's own status does not say so"
    else:
        facts = (proof.delivered_at, proof.received_by, proof.signature, proof.photo, proof.document, proof.location)
        assert facts == (None,) * 6, "delivery facts on a parcel that is not delivered"
