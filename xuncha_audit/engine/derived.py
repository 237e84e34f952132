"""Values a check binds like parameters but the engine derives from the loaded standards.

A check declares them in its header (``derived: {name: {derivation: [arguments]}}``) and uses
``$name`` in its SQL; the engine computes each one (``DERIVATIONS[kind](con, args)``) on the
run's database, after the standards are loaded (so a region's keyword list is the one bound). A
user cannot set them.

Why bound values: DuckDB compiles a constant regular expression once per query; the same
pattern read from a column is compiled again for every row (2 million summaries × a pattern:
minutes). A word list written out as one bound alternation is the cheap form of "does this text
contain any of the words" — a necessary condition the keyword checks test before their exact,
per-word join.
"""

from __future__ import annotations

from collections.abc import Callable

from xuncha_audit.db import of

# Characters with a meaning in RE2 (DuckDB) or java.util.regex (Spark) outside a character
# class; both read a backslash before them as the character itself.
_REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")


def regex_literal(text: str) -> str:
    """``text`` as a regular expression matching exactly itself, in RE2 and in Java."""
    return "".join("\\" + ch if ch in _REGEX_SPECIAL else ch for ch in text)


def keywords_any(con, lists: tuple[str, ...]) -> str:
    """One alternation of the upper-cased words of ``std_keywords`` in ``lists``.

    A text matches it exactly when, upper-cased, it contains one of those words — the test the
    keyword checks join on (``strpos(upper(text), upper(word)) > 0``), so filtering texts with
    it first changes no finding. The words are upper-cased by the database, as the checks do.
    No word at all: the empty pattern, which every text matches (the join then finds nothing).
    """
    rows = of(con).fetch_all(
        "SELECT DISTINCT upper(word) FROM std_keywords "
        "WHERE list IN (SELECT unnest($lists)) AND word IS NOT NULL AND word <> '' ORDER BY 1",
        {"lists": list(lists)},
    )
    return "|".join(regex_literal(r[0]) for r in rows)


DERIVATIONS: dict[str, Callable[..., object]] = {
    "keywords_any": keywords_any,
}
