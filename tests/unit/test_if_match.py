"""If-Match read strictly (RFC 9110 §8.8.3, §13.1.1): "*", or a list of entity-tags compared strongly, and
only our own spelling of a version ("3") names one. Anything else is malformed, never a crash."""

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from adapters.web.preconditions import MalformedIfMatch, matching_versions, strong_tags

PROPERTIES = settings(max_examples=300, deadline=None)
# etagc = %x21 / %x23-7E / obs-text: commas, "W/" and non-ASCII digits are all legal inside the quotes.
ETAGC = st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(lambda c: c == "!" or "#" <= c <= "~" or c >= "\x80")
SIDED = st.builds("{}{}".format, st.integers(0, 10**20), st.sampled_from(["-customer", "-agent", "-customer-later", "-agent-later", "-staff", "-later", "-", "-agent-"]))
OPAQUE = st.one_of(st.integers(0, 10**20).map(str), SIDED, st.text(ETAGC, max_size=12))
OWS = st.text(" \t", max_size=2)


@st.composite
def entity_tag_lists(draw: st.DrawFn) -> tuple[list[str], set[str]]:
    """A well-formed If-Match value, as one to three field lines, and the strong opaque-tags it names."""
    tags = draw(st.lists(st.tuples(st.booleans(), OPAQUE), min_size=1, max_size=6))
    elements = [("W/" if weak else "") + f'"{tag}"' for weak, tag in tags]
    elements = draw(st.permutations(elements + [""] * draw(st.integers(0, 2))))  # empty elements are legal
    cuts = sorted(draw(st.lists(st.integers(0, len(elements)), max_size=2)))
    chunks = [elements[a:b] for a, b in zip([0, *cuts], [*cuts, len(elements)], strict=True)]
    return [_line(draw, chunk) for chunk in chunks], {tag for weak, tag in tags if not weak}


def _line(draw: st.DrawFn, elements: list[str]) -> str:
    return draw(OWS) + "".join(e + draw(OWS) + "," + draw(OWS) for e in elements[:-1]) + "".join(elements[-1:]) + draw(OWS)


@PROPERTIES
@given(st.lists(st.text(max_size=40), min_size=1, max_size=3))
def test_any_text_is_read_or_refused_as_malformed(lines):
    try:
        tags = strong_tags(lines)
    except MalformedIfMatch:
        return
    assert tags is None or all(isinstance(tag, str) for tag in tags)
    assert tags is None or isinstance(matching_versions(tags), frozenset)


@PROPERTIES
@given(entity_tag_lists())
def test_a_well_formed_list_yields_exactly_its_strong_tags(case):
    lines, strong = case
    assert strong_tags(lines) == strong


@PROPERTIES
@given(entity_tag_lists(), st.integers(1, 10**12))
def test_a_list_with_the_current_etag_names_the_current_version(case, version):
    lines, _ = case
    lines = [*lines[:-1], lines[-1] + f', "{version}"']
    assert version in matching_versions(strong_tags(lines))


@PROPERTIES
@given(OPAQUE)
def test_only_our_own_spelling_of_a_version_names_it(tag):
    versions = matching_versions(frozenset({tag}))
    number, dash, view = tag.partition("-")
    ours = number.isascii() and number.isdigit() and str(int(number)) == number and 0 < int(number) < 10**18
    ours = ours and (not dash or view in ("customer", "agent", "customer-later", "agent-later"))
    assert versions == ({int(number)} if ours else set())


@pytest.mark.parametrize(
    ("lines", "tags", "versions"),
    [
        (['"3"'], {"3"}, {3}),
        (['"3-customer", "4-agent"'], {"3-customer", "4-agent"}, {3, 4}),  # the customer's side's views of them
        (['"5-customer-later", "6-agent-later"'], {"5-customer-later", "6-agent-later"}, {5, 6}),  # past their turn
        (['"3-staff"', '"3-c"', '"3-customer-"'], {"3-staff", "3-c", "3-customer-"}, set()),
        (['"3-later"', '"3-staff-later"', '"3-customer-late"'], {"3-later", "3-staff-later", "3-customer-late"}, set()),
        (['"²"'], {"²"}, set()),  # obs-text: well-formed, but no version of ours
        (['"٣"'], {"٣"}, set()),
        (['"１"'], {"１"}, set()),
        (['"03"'], {"03"}, set()),  # strong comparison is character by character
        (['W/"3"'], set(), set()),  # weak tags never match If-Match
        (['W/"3", "4"'], {"4"}, {4}),
        (['"1", , "2",'], {"1", "2"}, {1, 2}),
        (['"a,b"'], {"a,b"}, set()),
        (['"5"', '"6"'], {"5", "6"}, {5, 6}),  # several field lines are one list
        (['"' + "9" * 40 + '"'], {"9" * 40}, set()),
    ],
)
def test_entity_tags_as_rfc_9110_spells_them(lines, tags, versions):
    assert strong_tags(lines) == tags
    assert matching_versions(strong_tags(lines)) == versions


def test_a_star_is_any_current_version():
    assert strong_tags(["*"]) is None


@pytest.mark.parametrize(
    "lines",
    [["3"], ['"3'], ['3"'], ['w/"3"'], ['W/ "3"'], ['W/3'], ['"3" "4"'], ['"3";"4"'], ["*, \"3\""], ["*", '"3"'],
     ["**"], ['"a"b"'], ['"\x7f"'], ['" "'], ["garbage"], [""], [" \t "], ["", ""], [" , ,"]],
)
def test_anything_else_is_malformed(lines):
    with pytest.raises(MalformedIfMatch):
        strong_tags(lines)
