"""SQLite (the embedded default): LIKE that ignores the case of every letter, not only ASCII's.

SQLite's own LIKE folds A-Z only, so `name LIKE '%ünï%'` misses "Carol Ünïcode", while PostgreSQL
(Django's `UPPER(...) LIKE UPPER(...)`) finds it. Every case-insensitive lookup Django builds on
SQLite (`icontains`, `istartswith`, `iendswith`, and `contains`/`startswith`, which SQLite's LIKE
already made ASCII-insensitive) goes through LIKE, so replacing LIKE on each new connection makes
contributor search, the core API's `search` and wildcard filters and the admin's search agree with
PostgreSQL. `str.lower()` folds both sides, as `UPPER` does there for the letters that matter.

The cost: a Python call per row compared, about 1 us (SQLite's C LIKE: about 0.3 us), which the
embedded default's tables can afford. The shapes Django builds (`%x%`, `x%`, `%x`) are plain string
tests; any other pattern becomes a regex whose middle parts match atomically at their leftmost
place (no backtracking: see coreapi.querying._wildcard_regex for why that accepts the same values).
"""

import re
from collections.abc import Callable
from functools import lru_cache

from django.db.backends.signals import connection_created
from django.dispatch import receiver


def _split(pattern: str, escape: str | None) -> tuple[list[str], list[str], bool]:
    """The pattern's parts between unescaped `%`: as text, as regexes (`_` any one character), and
    whether any `_` was used."""
    texts: list[list[str]] = [[]]
    regexes: list[list[str]] = [[]]
    any_char = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if escape is not None and char == escape and i + 1 < len(pattern):
            char = pattern[i + 1]
            texts[-1].append(char)
            regexes[-1].append(re.escape(char))
            i += 2
            continue
        if char == "%":
            texts.append([])
            regexes.append([])
        elif char == "_":
            any_char = True
            regexes[-1].append(".")
        else:
            texts[-1].append(char)
            regexes[-1].append(re.escape(char))
        i += 1
    return ["".join(t).lower() for t in texts], ["".join(r) for r in regexes], any_char


@lru_cache(maxsize=1024)
def _matcher(pattern: str, escape: str | None) -> Callable[[str], bool]:
    texts, regexes, any_char = _split(pattern, escape)
    if not any_char:  # the shapes Django builds, as string tests
        if len(texts) == 1:
            return lambda value: value.lower() == texts[0]
        if len(texts) == 2:
            head, tail = texts
            return lambda value: (len(low := value.lower()) >= len(head) + len(tail)
                                  and low.startswith(head) and low.endswith(tail))
        if len(texts) == 3 and not texts[0] and not texts[2]:
            middle = texts[1]
            return lambda value: middle in value.lower()
    if len(regexes) == 1:
        regex = regexes[0]
    else:
        regex = regexes[0] + "".join(f"(?>.*?{part})" for part in regexes[1:-1]) + ".*" + regexes[-1]
    fullmatch = re.compile(regex, re.IGNORECASE | re.DOTALL).fullmatch
    return lambda value: fullmatch(value) is not None


def like(pattern, value, escape=None):
    """SQLite's like(X, Y[, Z]) is `Y LIKE X [ESCAPE Z]`: the pattern comes first."""
    if pattern is None or value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _matcher(str(pattern), escape)(value if isinstance(value, str) else str(value))


@receiver(connection_created)
def _unicode_like(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, like, deterministic=True)
        connection.connection.create_function("like", 3, like, deterministic=True)
