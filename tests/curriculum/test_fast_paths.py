"""The validate fast paths agree with the rules they stand in for, on random input."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from builder.curriculum.loader import _CLOSING_FENCE, _closing_fence
from builder.curriculum.quality import _ALL_OF_THE_ABOVE, _may_say_all_of_the_above

# Lines made of the pieces a fence test turns on, plus arbitrary text.
_PIECES = st.sampled_from(["---", "...", "--", "..", " ", "\t", "-", ".", "x", "\n", "\x85", "é"])
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=2000, deadline=None)
@given(_TEXT)
@example("---\n")
@example("id: x\n--- \t\nbody")
@example("a: b\n----\n... x\n...")
def test_the_fence_scan_finds_what_the_regex_finds(body: str) -> None:
    text = "---\n" + body  # as split_front_matter calls it: just after the opening fence
    match = _CLOSING_FENCE.search(text, 4)
    assert _closing_fence(text, 4) == ((match.start(), match.end()) if match else None)


_WORDS = st.sampled_from(
    ["all", "none", "both", "any", "of", "the", "above", "Below", "THESE", "others", "é", "K"]
)
_PHRASES = st.lists(st.one_of(_WORDS, st.sampled_from([" ", "\n", "  "]), st.text(max_size=3)))


@settings(max_examples=2000, deadline=None)
@given(_PHRASES.map("".join))
@example("All of the above")
@example("NONE OF THESE")
@example("all the above")
@example("both of the K\u212aelvin")  # non-ASCII: the pre-check defers to the regex
def test_the_all_of_the_above_pre_check_never_hides_a_match(text: str) -> None:
    if _ALL_OF_THE_ABOVE.search(text):
        assert _may_say_all_of_the_above(text)
