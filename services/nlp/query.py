"""Keyword queries: terms, "phrases", prefix*, AND / OR / NOT, ( ) → a tree, matched on text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_WORD = re.compile(r"\w+")
# A "-" right before a term or group negates it; inside a word ("GPT-5") it is part of it.
_LEXEME = re.compile(r'(\(|\)|-(?=[("\w])|"[^"]*"\*?|[^\s()"]+)')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; the message says where and why."""


def words(text: str) -> list[str]:
    """The matching unit: case-folded runs of letters and digits ("GPT-5" → gpt, 5)."""
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class Term:
    """One word or an exact phrase; with `prefix`, its last word may continue (`regulat*`)."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Not | And | Or


def render(node: Node) -> str:
    """The canonical text of a query; `parse(render(q)) == q`."""
    if isinstance(node, Term):
        body = " ".join(node.words)
        text = f'"{body}"' if len(node.words) > 1 else body
        return text + ("*" if node.prefix else "")
    if isinstance(node, Not):
        return f"NOT {render(node.node)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(render(n) for n in node.nodes) + ")"


def parse(query: str) -> Node:
    """Parse a query; juxtaposed terms mean AND, and AND binds tighter than OR."""
    parser = _Parser(list(_lex(query)), query)
    node = parser.or_expr()
    if parser.peek() is not None:
        raise QuerySyntaxError(f"unexpected {parser.peek()!r} in {query!r}")
    return node


def _lex(query: str) -> Iterator[str]:
    pos = query.find(query.lstrip())
    while pos < len(query):
        match = _LEXEME.match(query, pos)
        if match is None:
            raise QuerySyntaxError(f"unclosed quote in {query!r}")
        yield match.group(1)
        pos = match.end()
        while pos < len(query) and query[pos].isspace():
            pos += 1


@dataclass
class _Parser:
    tokens: list[str]
    query: str
    pos: int = field(default=0)

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError(f"{self.query!r} ends where a term was expected")
        self.pos += 1
        return token

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_expr(self) -> Node:
        nodes = [self.not_expr()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            nodes.append(self.not_expr())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def not_expr(self) -> Node:
        token = self.peek()
        if token in ("NOT", "-"):
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token == "(":
            node = self.or_expr()
            if self.peek() != ")":
                raise QuerySyntaxError(f"missing ')' in {self.query!r}")
            self.take()
            return node
        if token in _OPERATORS or token == ")":
            raise QuerySyntaxError(f"unexpected {token!r} in {self.query!r}")
        prefix = token.endswith("*")
        found = tuple(words(token))
        if not found:
            raise QuerySyntaxError(f"{token!r} has no letters or digits to match")
        return Term(found, prefix)


def evaluate(node: Node, has: Callable[[Term], bool]) -> bool:
    """Whether the query holds, given whether each term occurs."""
    if isinstance(node, Term):
        return has(node)
    if isinstance(node, Not):
        return not evaluate(node.node, has)
    if isinstance(node, And):
        return all(evaluate(n, has) for n in node.nodes)
    return any(evaluate(n, has) for n in node.nodes)


def max_edits(length: int) -> int:
    """Edits tolerated by fuzzy matching: none for short words, where one edit is another word."""
    if length < 4:
        return 0
    return 1 if length < 8 else 2


class Text:
    """A text prepared for matching many terms: its words, and joined word windows for fuzzy."""

    def __init__(self, text: str) -> None:
        self.tokens = words(text)
        self._vocabulary = set(self.tokens)
        self._windows: dict[int, list[str]] = {}

    def has(self, term: Term, *, fuzzy: bool = False) -> bool:
        return self._exact(term) or (fuzzy and not term.prefix and self._fuzzy(term))

    def _exact(self, term: Term) -> bool:
        *head, last = term.words
        if not head and not term.prefix:
            return last in self._vocabulary
        n = len(term.words)
        for i in range(len(self.tokens) - n + 1):
            *window, end = self.tokens[i : i + n]
            if window == head and (end.startswith(last) if term.prefix else end == last):
                return True
        return False

    def _fuzzy(self, term: Term) -> bool:
        """ASR splits, merges and misspells words, so compare the term without spaces against
        runs of one word fewer to one word more, joined without spaces."""
        pattern = "".join(term.words)
        edits = max_edits(len(pattern))
        if edits == 0:
            return False
        n = len(term.words)
        for k in range(max(1, n - 1), n + 2):
            hit = process.extractOne(
                pattern, self._joined(k), scorer=Levenshtein.distance, score_cutoff=edits
            )
            if hit is not None:
                return True
        return False

    def _joined(self, k: int) -> list[str]:
        if k not in self._windows:
            self._windows[k] = [
                "".join(self.tokens[i : i + k]) for i in range(len(self.tokens) - k + 1)
            ]
        return self._windows[k]


def matches(node: Node, text: Text, *, fuzzy: bool = False) -> bool:
    return evaluate(node, lambda term: text.has(term, fuzzy=fuzzy))
