"""List conventions of the Portal REST API (portal-api-contract §3).

`ListPage<T>` is `{"Items": [...], "Meta": {Page, PageSize, TotalCount, TotalPages, ItemRange}}`.
Query parameters: `search`, `searchOn`, `sortBy` (comma-separated, `!` = descending), `page`
(default 1) and `pageSize` (default 20, at most 100); every other parameter is a filter written
as a bare `Key=value` (`Environment=Sandbox`, `Owner.Username=hamlet`). The SDK drops falsy
values, so a missing `page` or `pageSize` simply means the default.

Filter values follow OrderCloud: `a|b` (either), `!a` (not), `*` wildcards (`Name=acme*`),
`>x`, `<x`, `>=x`, `<=x`; a key repeated is AND. Field names are case-insensitive, so both `ID`
and `Id` work. An unknown field is a 400 that lists the known ones. At most MAX_FILTER_VALUES filter
values (each `|` alternative counts), MAX_SEARCH_ON_FIELDS `searchOn` fields and MAX_VALUE_LENGTH
characters a value or search; more is a 400 saying so.
"""

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from ninja import Field, Schema
from pydantic import create_model

from portal.common.errors import ApplicationError

STANDARD_PARAMS = {"search", "searchon", "sortby", "page", "pagesize"}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

ERR_UNKNOWN_FILTER = "Unknown filter '{key}'. Filterable fields: {fields}."
ERR_UNKNOWN_SORT = "Cannot sort by '{key}'. Sortable fields: {fields}."
ERR_UNKNOWN_SEARCH_ON = "Cannot search on '{key}'. Searchable fields: {fields}."
ERR_BAD_FILTER_VALUE = "Invalid value '{value}' for filter '{key}'."
ERR_TOO_MANY_FILTER_VALUES = (
    "Too many filter values: a list request may have at most {limit} (each repeated filter and each | "
    "alternative counts); this one has {count}."
)
ERR_TOO_MANY_SEARCH_ON = "searchOn may name at most {limit} fields; this one names {count}."
ERR_VALUE_TOO_LONG = "{name} is too long: at most {limit} characters; this one has {length}."

# What one list request may ask for, as the core API allows (coreapi.querying): past these, SQLite
# (the embedded default) refuses the statement ("Expression tree is too large"), which answered 503
# "the database is not answering" for what was the request's fault.
MAX_FILTER_VALUES = 250
MAX_SEARCH_ON_FIELDS = 20
MAX_VALUE_LENGTH = 10_000


class ListParameterError(ApplicationError):
    status_code = 400
    code = "InvalidRequest"


class ListParams(Schema):
    search: str | None = Field(None, description="Text to look for (case-insensitive, contains).")
    searchOn: str | None = Field(None, description="Comma-separated fields to search on.")  # noqa: N815
    sortBy: str | None = Field(None, description="Comma-separated fields; prefix '!' for descending.")  # noqa: N815
    page: int = Field(1, ge=1, le=1_000_000)
    pageSize: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)  # noqa: N815


class PageParams(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    pageSize: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)  # noqa: N815


class ListMeta(Schema):
    Page: int
    PageSize: int
    TotalCount: int
    TotalPages: int
    ItemRange: list[int]


_list_page_cache: dict[type, type] = {}


def list_page(item: type[Schema]) -> type[Schema]:
    """The `ListPage<item>` response schema (named `ListPage<Item>` in OpenAPI)."""
    if item not in _list_page_cache:
        _list_page_cache[item] = create_model(
            f"ListPage{item.__name__}", __base__=Schema, Items=(list[item], ...), Meta=(ListMeta, ...)
        )
    return _list_page_cache[item]


@dataclass(frozen=True)
class Fld:
    """An API field of a list: its ORM path and kind ("str", "bool", "int", "date")."""

    path: str
    kind: str = "str"


@dataclass
class ListFields:
    """Which API fields a list can be filtered, searched and sorted on (names as the API spells them)."""

    filters: dict[str, Fld | str] = field(default_factory=dict)
    search: dict[str, str] = field(default_factory=dict)
    sort: dict[str, str] = field(default_factory=dict)
    default_sort: Sequence[str] = ("pk",)

    def _lookup(self, table: dict, key: str):
        wanted = key.strip().lower()
        for name, value in table.items():
            if name.lower() == wanted:
                return value
        return None


def _fld(spec: Fld | str) -> Fld:
    return spec if isinstance(spec, Fld) else Fld(spec)


def _names(table: dict) -> str:
    return ", ".join(table) or "(none)"


def _wildcard_q(path: str, pattern: str) -> Q:
    parts = pattern.split("*")
    if len(parts) == 2 and parts[0] == "":
        return Q(**{f"{path}__iendswith": parts[1]})
    if len(parts) == 2 and parts[1] == "":
        return Q(**{f"{path}__istartswith": parts[0]})
    if len(parts) == 3 and parts[0] == "" and parts[2] == "":
        return Q(**{f"{path}__icontains": parts[1]})
    return Q(**{f"{path}__iregex": _wildcard_regex(parts, atomic=connection.vendor == "sqlite")})


def _wildcard_regex(parts: list[str], *, atomic: bool) -> str:
    """`a*b*c` (split on `*`) as an anchored regex, as coreapi.querying builds it. PostgreSQL runs
    `^a.*b.*c$` in linear time; SQLite's REGEXP is Python's backtracking `re`, where every more `*`
    multiplies the work by the value's length (`ID=a*a*a*a*a*b` against an Id of 100 a's: 4 s, one
    more `*` minutes). There each middle part is matched at its leftmost place and never
    reconsidered (an atomic group around a lazy `.*?`), which accepts the same values."""
    escaped = [re.escape(part) for part in parts]
    if not atomic:
        return "^" + ".*".join(escaped) + "$"
    return "^" + escaped[0] + "".join(f"(?>.*?{part})" for part in escaped[1:-1]) + ".*" + escaped[-1] + "$"


def _bool(value: str, key: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ListParameterError(ERR_BAD_FILTER_VALUE.format(value=value, key=key))


def _term_q(fld: Fld, term: str, key: str) -> Q:
    negate = term.startswith("!")
    if negate:
        term = term[1:]
    q: Q
    for op, lookup in ((">=", "gte"), ("<=", "lte"), (">", "gt"), ("<", "lt")):
        if term.startswith(op) and fld.kind != "bool":
            q = Q(**{f"{fld.path}__{lookup}": term[len(op) :]})
            break
    else:
        if fld.kind == "bool":
            q = Q(**{fld.path: _bool(term, key)})
        elif fld.kind == "str" and "*" in term:
            q = _wildcard_q(fld.path, term)
        elif fld.kind == "str":
            q = Q(**{f"{fld.path}__iexact": term})
        else:
            q = Q(**{fld.path: term})
    return ~q if negate else q


def filters_from_request(request, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The bare `Key=value` filters of a list request (every non-standard query parameter)."""
    skip = STANDARD_PARAMS | {name.lower() for name in exclude}
    return [(key, value) for key, values in request.GET.lists() if key.lower() not in skip for value in values]


def _check_sizes(filters: list[tuple[str, str]], params: ListParams) -> None:
    count = sum(value.count("|") + 1 for _key, value in filters)
    if count > MAX_FILTER_VALUES:
        raise ListParameterError(ERR_TOO_MANY_FILTER_VALUES.format(limit=MAX_FILTER_VALUES, count=count))
    for key, value in filters:
        if len(value) > MAX_VALUE_LENGTH:
            raise ListParameterError(
                ERR_VALUE_TOO_LONG.format(name=f"The value of filter '{key[:100]}'", limit=MAX_VALUE_LENGTH, length=len(value))
            )
    if params.search and len(params.search) > MAX_VALUE_LENGTH:
        raise ListParameterError(ERR_VALUE_TOO_LONG.format(name="search", limit=MAX_VALUE_LENGTH, length=len(params.search)))
    names = [n for n in (params.searchOn or "").split(",") if n.strip()]
    if len(names) > MAX_SEARCH_ON_FIELDS:
        raise ListParameterError(ERR_TOO_MANY_SEARCH_ON.format(limit=MAX_SEARCH_ON_FIELDS, count=len(names)))


def list_queryset(
    qs: QuerySet, *, request, params: ListParams, fields: ListFields, exclude_filters: Iterable[str] = ()
) -> QuerySet:
    """Applies the filters, search and sort of a list request to a (selector-scoped) QuerySet."""
    filters = filters_from_request(request, exclude=exclude_filters)
    _check_sizes(filters, params)
    for key, value in filters:
        spec = fields._lookup(fields.filters, key)
        if spec is None:
            raise ListParameterError(ERR_UNKNOWN_FILTER.format(key=key, fields=_names(fields.filters)))
        fld = _fld(spec)
        q = Q()
        for term in value.split("|"):
            q |= _term_q(fld, term, key)
        qs = qs.filter(q)
    if params.search:
        names = [n for n in (params.searchOn or "").split(",") if n.strip()] or list(fields.search)
        q = Q()
        for name in names:
            path = fields._lookup(fields.search, name)
            if path is None:
                raise ListParameterError(ERR_UNKNOWN_SEARCH_ON.format(key=name.strip(), fields=_names(fields.search)))
            q |= Q(**{f"{path}__icontains": params.search.strip()})
        qs = qs.filter(q)
    order: list[str] = []
    for name in [n for n in (params.sortBy or "").split(",") if n.strip()]:
        name = name.strip()
        desc = name.startswith("!")
        path = fields._lookup(fields.sort, name.lstrip("!"))
        if path is None:
            raise ListParameterError(ERR_UNKNOWN_SORT.format(key=name.lstrip("!"), fields=_names(fields.sort)))
        order.append(f"-{path}" if desc else path)
    qs = qs.order_by(*(order or list(fields.default_sort)), "pk")
    return qs


def paginate(items: QuerySet | Sequence, *, page: int, page_size: int, serialize: Callable[[Any], Any]) -> dict:
    """A `ListPage` dict for a page of `items` (a QuerySet is counted and sliced in SQL)."""
    try:
        total = items.count() if isinstance(items, QuerySet) else len(items)
        start = (page - 1) * page_size
        chunk = list(items[start : start + page_size])
    except (ValueError, TypeError, DjangoValidationError) as exc:
        # A filter value the column cannot hold (Id=abc on a number): the ORM says so late.
        raise ListParameterError(f"Invalid filter value: {_first_message(exc)}") from exc
    first, last = (start + 1, start + len(chunk)) if chunk else (0, 0)
    return {
        "Items": [serialize(item) for item in chunk],
        "Meta": {
            "Page": page,
            "PageSize": page_size,
            "TotalCount": total,
            "TotalPages": math.ceil(total / page_size) if total else 0,
            "ItemRange": [first, last],
        },
    }


def _first_message(exc: Exception) -> str:
    if isinstance(exc, DjangoValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def list_response(
    qs: QuerySet, *, request, params: ListParams, fields: ListFields, serialize: Callable[[Any], Any], **kwargs
) -> dict:
    return paginate(
        list_queryset(qs, request=request, params=params, fields=fields, **kwargs),
        page=params.page,
        page_size=params.pageSize,
        serialize=serialize,
    )
