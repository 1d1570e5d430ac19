"""The keyword query language: parsing, errors, exact and fuzzy matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.nlp.query import (
    And,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    Text,
    matches,
    parse,
    render,
)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("Anthropic", Term(("anthropic",))),
        ('"open AI"', Term(("open", "ai"))),
        ("GPT-5", Term(("gpt", "5"))),
        ("regulat*", Term(("regulat",), prefix=True)),
        ("a b", And((Term(("a",)), Term(("b",))))),
        ("a AND b OR c", Or((And((Term(("a",)), Term(("b",)))), Term(("c",))))),
        ("a OR b c", Or((Term(("a",)), And((Term(("b",)), Term(("c",))))))),
        ("-a", Not(Term(("a",)))),
        ("NOT (a OR b)", Not(Or((Term(("a",)), Term(("b",)))))),
        ("x and y", And((Term(("x",)), Term(("and",)), Term(("y",))))),
    ],
)
def test_parse(query: str, tree: Node) -> None:
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "ends where a term was expected"),
        ('"open ai', "unclosed quote"),
        ("(a OR b", "missing ')'"),
        ("a)", "unexpected ')'"),
        ("a OR", "ends where a term was expected"),
        ("AND a", "unexpected 'AND'"),
        ("!!!", "no letters or digits"),
    ],
)
def test_errors_say_why(query: str, reason: str) -> None:
    with pytest.raises(QuerySyntaxError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse(query)


TEXT = Text("Anne Thropic said OpenAI's new model, GPT-5, beats Claude. Regulators reacted.")


@pytest.mark.parametrize(
    ("query", "exact", "fuzzy"),
    [
        ("openai", True, True),
        ('"gpt 5"', True, True),
        ("regulat*", True, True),
        ("claude -gemini", True, True),
        ("claude AND gemini", False, False),
        ("anthropic", False, True),  # split by ASR: "Anne Thropic"
        ("anthropik", False, False),  # three edits away from "annethropic"
        ('"open ai"', False, True),  # joined: "openai"
        ("modal", False, True),  # one letter off "model"
        ("gpt", True, True),
        ("gbt", False, False),  # too short to guess
    ],
)
def test_matching(query: str, exact: bool, fuzzy: bool) -> None:
    node = parse(query)
    assert (matches(node, TEXT), matches(node, TEXT, fuzzy=True)) == (exact, fuzzy)


words = st.text(alphabet="abcdefgh0123", min_size=1, max_size=6).filter(
    lambda w: w.upper() not in {"AND", "OR", "NOT"}
)
terms = st.builds(Term, st.lists(words, min_size=1, max_size=3).map(tuple), st.booleans())
trees = st.recursive(
    terms,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)


@given(trees)
def test_render_then_parse_is_the_same_query(tree: Node) -> None:
    assert parse(render(tree)) == tree
