"""OrderCloud list conventions: paging, search/searchOn, sortBy and `Field=value` filters.

Filter values: `*` wildcard, `!` negation, `>` `<` `>=` `<=` comparisons, `|` alternatives (OR); a field
repeated in the query string is ANDed; `xp.a.b=...` filters nested extended properties. `*` alone
means "has a value" and `!*` "has none" (null or missing; for text fields also empty, which is how
this API stores a null text), on any field. Unknown fields and values of the wrong type are a 400
InvalidRequest with a message naming the field.

Search: `search` matches case-insensitively in the `searchOn` fields (default: the resource's
searchable fields; `xp.*` paths are allowed). `searchType` says how several words match:
AllTermsAnyField (the default: every word in some field), AnyTerm (any word in any field),
AllTermsSameField (every word in one field), ExactPhrase / ExactPhrasePrefix (the words as typed,
in one field).

Size limits (a 400 InvalidRequest naming the limit, the same on SQLite and PostgreSQL): at most
MAX_FILTER_VALUES filter values in a request (each repeated filter and each `|` alternative makes one
to three SQL conditions, and SQLite refuses an expression nested over 1,000 deep: `a OR b OR ...`
nests one level per term), each filter value and `search` at most MAX_VALUE_LENGTH characters (SQLite refuses a
LIKE pattern over 50,000 bytes) and `searchOn` at most MAX_SEARCH_FIELDS fields (AnyTerm ORs every
word in every field).
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_naive, make_aware

from coreapi.errors import (
    MSG_BAD_FILTER,
    MSG_BAD_FILTER_VALUE,
    MSG_BAD_PAGE,
    MSG_BAD_PAGE_SIZE,
    MSG_BAD_SEARCH_ON,
    MSG_BAD_SEARCH_TYPE,
    MSG_BAD_SORT,
    MSG_FILTER_VALUE_TOO_LONG,
    MSG_SEARCH_TOO_LONG,
    MSG_SEARCH_TOO_MANY_FIELDS,
    MSG_SEARCH_TOO_MANY_TERMS,
    MSG_TOO_MANY_FILTER_VALUES,
    InvalidRequest,
)

RESERVED_PARAMS = frozenset({"page", "pageSize", "search", "searchOn", "sortBy", "searchType", "depth"})
MAX_PAGE_SIZE = 100
SEARCH_TYPES = ("AnyTerm", "AllTermsAnyField", "AllTermsSameField", "ExactPhrase", "ExactPhrasePrefix")
DEFAULT_SEARCH_TYPE = "AllTermsAnyField"
MAX_SEARCH_TERMS = 20
MAX_SEARCH_FIELDS = 20  # with MAX_SEARCH_TERMS: at most 400 conditions in a search
MAX_FILTER_VALUES = 250  # up to 3 conditions each (`xp.a=*`): 750 in a chain; SQLite failed from 330
MAX_VALUE_LENGTH = 10_000  # 4 bytes a character at most: under SQLite's 50,000-byte LIKE pattern
_XP_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")
MAX_XP_PATH_DEPTH = 100  # a deeper path overflows the ORM's recursion (a 500) from about 250 levels
MSG_XP_PATH_TOO_DEEP = "Invalid {parameter} field: xp paths have at most {limit} levels; this one has {depth}."


@dataclass
class ListSpec:
    """What a list endpoint can filter, sort and search on (SDK names -> model columns)."""

    model: type[models.Model]
    columns: dict[str, str]  # SDK field name -> model column (scalar fields only)
    search_fields: tuple[str, ...] = ("ID",)
    xp_column: str | None = "xp"
    default_order: tuple[str, ...] = ("oc_id",)
    extra_params: frozenset[str] = field(default_factory=frozenset)  # consumed by the endpoint itself
    # columns the endpoint annotates on its queryset (computed values: Me.ListAddresses' Shipping),
    # with the field type their filter values are read as
    annotated: dict[str, models.Field] = field(default_factory=dict)


@dataclass
class ListParams:
    page: int
    page_size: int
    search: str | None
    search_on: list[str]
    sort_by: list[str]
    filters: list[tuple[str, str]]
    search_type: str = DEFAULT_SEARCH_TYPE


def list_params_parse(request, spec: ListSpec) -> ListParams:
    get = request.GET

    def as_int(name: str, default: int, message: str) -> int:
        raw = get.get(name)
        if raw in (None, ""):
            return default
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise InvalidRequest(message, data={"Parameter": name, "Value": raw}) from None

    page = as_int("page", 1, MSG_BAD_PAGE)
    if page < 1:
        raise InvalidRequest(MSG_BAD_PAGE, data={"Parameter": "page", "Value": page})
    page_size = as_int("pageSize", 20, MSG_BAD_PAGE_SIZE)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidRequest(MSG_BAD_PAGE_SIZE, data={"Parameter": "pageSize", "Value": page_size})
    search_on = [s.strip() for s in (get.get("searchOn") or "").split(",") if s.strip()]
    sort_by = [s.strip() for s in (get.get("sortBy") or "").split(",") if s.strip()]
    filters = [
        (key, value)
        for key in get
        if key not in RESERVED_PARAMS and key not in spec.extra_params
        for value in get.getlist(key)
    ]
    search_type = get.get("searchType") or DEFAULT_SEARCH_TYPE
    if search_type not in SEARCH_TYPES:
        raise InvalidRequest(
            MSG_BAD_SEARCH_TYPE.format(value=search_type, allowed=", ".join(SEARCH_TYPES)),
            data={"Parameter": "searchType", "Value": search_type},
        )
    search = get.get("search") or None
    _check_sizes(filters, search, search_on)
    return ListParams(page, page_size, search, search_on, sort_by, filters, search_type)


def _shown(name: str) -> str:
    return name[:200] + ("..." if len(name) > 200 else "")


def _check_sizes(filters: list[tuple[str, str]], search: str | None, search_on: list[str]) -> None:
    """Refuse a request whose SQL the database would refuse (see the module's docstring)."""
    values_per_field: dict[str, int] = {}
    for name, raw in filters:
        values_per_field[name] = values_per_field.get(name, 0) + raw.count("|") + 1
    count = sum(values_per_field.values())
    if count > MAX_FILTER_VALUES:
        field = max(values_per_field, key=values_per_field.__getitem__)
        message = MSG_TOO_MANY_FILTER_VALUES.format(
            limit=MAX_FILTER_VALUES, count=count, field=_shown(field), field_count=values_per_field[field]
        )
        raise InvalidRequest(message, data={"Field": _shown(field), "Count": count, "Limit": MAX_FILTER_VALUES})
    for name, raw in filters:
        if len(raw) > MAX_VALUE_LENGTH:
            raise InvalidRequest(
                MSG_FILTER_VALUE_TOO_LONG.format(field=_shown(name), limit=MAX_VALUE_LENGTH, length=len(raw)),
                data={"Field": _shown(name)},
            )
    if search and len(search) > MAX_VALUE_LENGTH:
        raise InvalidRequest(
            MSG_SEARCH_TOO_LONG.format(limit=MAX_VALUE_LENGTH, length=len(search)), data={"Parameter": "search"}
        )
    if (fields := len(dict.fromkeys(search_on))) > MAX_SEARCH_FIELDS:
        raise InvalidRequest(
            MSG_SEARCH_TOO_MANY_FIELDS.format(limit=MAX_SEARCH_FIELDS, count=fields), data={"Parameter": "searchOn"}
        )


def _model_field(spec: ListSpec, column: str) -> models.Field:
    return spec.annotated.get(column) or spec.model._meta.get_field(column)


def _xp_path(spec: ListSpec, name: str, message: str) -> str | None:
    """The ORM path of `xp.a.b` (None when `name` is no xp path)."""
    if not (spec.xp_column and name.startswith("xp.")):
        return None
    parts = name.split(".")[1:]
    if not (parts and all(_XP_KEY.match(p) for p in parts)):
        return None
    if len(parts) > MAX_XP_PATH_DEPTH:
        parameter = {MSG_BAD_SORT: "sortBy", MSG_BAD_SEARCH_ON: "searchOn"}.get(message, "filter")
        raise InvalidRequest(
            MSG_XP_PATH_TOO_DEEP.format(parameter=parameter, limit=MAX_XP_PATH_DEPTH, depth=len(parts)),
            data={"Field": _shown(name)},
        )
    return "__".join([spec.xp_column, *parts])


def _resolve(spec: ListSpec, name: str, message: str) -> tuple[str, models.Field | None]:
    """(ORM path, model field or None for xp paths)."""
    if name in spec.columns:
        column = spec.columns[name]
        return column, _model_field(spec, column)
    if (xp_path := _xp_path(spec, name, message)) is not None:
        return xp_path, None
    allowed = ", ".join([*spec.columns, *(["xp.*"] if spec.xp_column else [])])
    raise InvalidRequest(message.format(field=name, allowed=allowed), data={"Field": name})


def _coerce(name: str, raw: str, model_field: models.Field):
    def bad(reason: str):
        return InvalidRequest(MSG_BAD_FILTER_VALUE.format(field=name, value=raw, reason=reason), data={"Field": name})

    if isinstance(model_field, models.BooleanField):
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise bad("expected true or false")
    if isinstance(model_field, (models.IntegerField, models.PositiveIntegerField)):
        try:
            value = int(raw)
        except ValueError:
            raise bad("expected an integer") from None
        if abs(value) > 2**62:
            raise bad("number out of range")
        return value
    if isinstance(model_field, models.FloatField):
        try:
            value = float(raw)
        except ValueError:
            raise bad("expected a number") from None
        if not math.isfinite(value):
            raise bad("expected a finite number")
        return value
    if isinstance(model_field, models.DateTimeField):
        try:
            value = parse_datetime(raw)
            if value is None:
                day = parse_date(raw)
                value = datetime(day.year, day.month, day.day) if day else None
        except ValueError:
            value = None
        if value is None:
            raise bad("expected an ISO 8601 date")
        return make_aware(value) if is_naive(value) else value
    return raw


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_only(raw: str):
    """The date of `2024-05-01` (no time); None for a date-time or anything else. (parse_datetime
    reads a bare date as its midnight, so it cannot tell them apart.)"""
    if not _DATE_ONLY.fullmatch(raw):
        return None
    try:
        return parse_date(raw)
    except ValueError:
        return None


def _day_q(path: str, lookup: str, start: datetime) -> Q:
    """A date without a time on a date-time field means that whole day (from its midnight in
    TIME_ZONE, UTC): `=` that day, `<=` up to its end, `>` after it; `<` and `>=` are before it and
    from it, as its midnight gives."""
    end = start + timedelta(days=1)
    if lookup == "exact":
        return Q(**{f"{path}__gte": start, f"{path}__lt": end})
    if lookup == "lte":
        return Q(**{f"{path}__lt": end})
    if lookup == "gt":
        return Q(**{f"{path}__gte": end})
    return Q(**{f"{path}__{lookup}": start})


def _xp_values(raw: str) -> list:
    values: list = [raw]
    if raw.lower() in ("true", "false"):
        values.append(raw.lower() == "true")
    else:
        try:
            number = float(raw)
            if math.isfinite(number):
                values.append(int(number) if number.is_integer() and abs(number) < 2**53 else number)
        except ValueError:
            pass
    return values


def _wildcard_q(path: str, pattern: str) -> Q:
    inner = pattern.strip("*")
    if "*" not in inner:
        if pattern.startswith("*") and pattern.endswith("*"):
            return Q(**{f"{path}__icontains": inner})
        if pattern.endswith("*"):
            return Q(**{f"{path}__istartswith": inner})
        return Q(**{f"{path}__iendswith": inner})
    return Q(**{f"{path}__iregex": _wildcard_regex(pattern, atomic=connection.vendor == "sqlite")})


def _wildcard_regex(pattern: str, *, atomic: bool) -> str:
    """`a*b*c` as an anchored regex. PostgreSQL's regex engine runs `^a.*b.*c$` in linear time;
    SQLite's REGEXP is Python's backtracking `re`, where each more `*` multiplies the work by the
    length of the value (`a*a*a*a*a*a*b` against 100 a's: 13 s). There the middle parts are matched
    at their leftmost place and never reconsidered (an atomic group around a lazy `.*?`), which
    accepts the same values: the earliest place for each part leaves the most room for the rest."""
    parts = [re.escape(part) for part in pattern.split("*")]
    if not atomic:
        return "^" + ".*".join(parts) + "$"
    return "^" + parts[0] + "".join(f"(?>.*?{part})" for part in parts[1:-1]) + ".*" + parts[-1] + "$"


_OPS = ((">=", "gte"), ("<=", "lte"), (">", "gt"), ("<", "lt"))


def _has_value_q(path: str, model_field: models.Field | None) -> Q:
    """`Field=*`: the field has a value. Its negation (`!*`, has_value=False) is built alongside,
    not with ~, so SQL NULLs (missing xp keys, null columns) land on the right side."""
    if model_field is None:  # xp: the key exists and is not JSON null or ""
        return Q(**{f"{path}__isnull": False}) & ~Q(**{path: None}) & ~Q(**{path: ""})
    has = Q(**{f"{path}__isnull": False}) if model_field.null else Q(pk__isnull=False)
    if isinstance(model_field, (models.CharField, models.TextField)):
        has &= ~Q(**{path: ""})
    return has


def _no_value_q(path: str, model_field: models.Field | None) -> Q:
    """`Field=!*`: null or missing (xp: no such key, or JSON null); for text, also empty."""
    if model_field is None:
        return Q(**{f"{path}__isnull": True}) | Q(**{path: None})
    none = Q(**{f"{path}__isnull": True}) if model_field.null else Q(pk__isnull=True)
    if isinstance(model_field, (models.CharField, models.TextField)):
        none |= Q(**{path: ""})
    return none


def _term_q(spec: ListSpec, name: str, term: str) -> Q:
    path, model_field = _resolve(spec, name, MSG_BAD_FILTER)
    negate = term.startswith("!")
    if negate:
        term = term[1:]
    if term == "*":
        return _no_value_q(path, model_field) if negate else _has_value_q(path, model_field)
    lookup = "exact"
    for prefix, op in _OPS:
        if term.startswith(prefix):
            lookup, term = op, term[len(prefix) :]
            break
    if "*" in term and lookup == "exact":
        if model_field is not None and not isinstance(model_field, (models.CharField, models.TextField)):
            raise InvalidRequest(
                MSG_BAD_FILTER_VALUE.format(field=name, value=term, reason="wildcards work on text fields only"),
                data={"Field": name},
            )
        q = _wildcard_q(path, term)
    elif model_field is None:  # xp path: match the JSON string (in any letter case), number or boolean
        values = _xp_values(term)
        if lookup != "exact":
            values = [v for v in values if not isinstance(v, bool)][-1:]
        q = Q()
        for value in values:
            text_equal = lookup == "exact" and isinstance(value, str)
            q |= Q(**{f"{path}__{'iexact' if text_equal else lookup}": value})
    elif isinstance(model_field, models.DateTimeField) and _date_only(term) is not None:
        q = _day_q(path, lookup, _coerce(name, term, model_field))
    elif lookup == "exact" and isinstance(model_field, (models.CharField, models.TextField)):
        # text equals in any letter case, as the wildcard forms (Name=red* finds "Red shirt") and
        # search do: Name=red shirt finds "Red shirt" too
        q = Q(**{f"{path}__iexact": term})
    else:
        q = Q(**{f"{path}__{lookup}": _coerce(name, term, model_field)})
    if not negate:
        return q
    if model_field is None or model_field.null:  # "not X" includes objects without a value
        return ~q | Q(**{f"{path}__isnull": True})
    return ~q


def apply_filters(qs: QuerySet, spec: ListSpec, params: ListParams) -> QuerySet:
    for name, raw in params.filters:
        alternatives = raw.split("|")
        q = Q()
        for alternative in alternatives:
            q |= _term_q(spec, name, alternative)
        qs = qs.filter(q)
    if params.search:
        qs = qs.filter(_search_q(spec, params))
    order: list[str] = []
    for item in params.sort_by:
        desc = item.startswith("!")
        name = item[1:] if desc else item
        path, _ = _resolve(spec, name, MSG_BAD_SORT)
        order.append(f"-{path}" if desc else path)
    return qs.order_by(*order, *[o for o in spec.default_order if o not in order])


def _search_path(spec: ListSpec, name: str) -> str:
    if name in spec.search_fields:
        return spec.columns[name]
    if (xp_path := _xp_path(spec, name, MSG_BAD_SEARCH_ON)) is not None:
        return xp_path
    allowed = ", ".join([*spec.search_fields, *(["xp.*"] if spec.xp_column else [])])
    raise InvalidRequest(MSG_BAD_SEARCH_ON.format(field=name, allowed=allowed), data={"Field": name})


def _search_q(spec: ListSpec, params: ListParams) -> Q:
    paths = [_search_path(spec, name) for name in dict.fromkeys(params.search_on or spec.search_fields)]
    if params.search_type in ("ExactPhrase", "ExactPhrasePrefix"):
        terms = [params.search.strip()]
    else:
        terms = list(dict.fromkeys(params.search.split()))
        if len(terms) > MAX_SEARCH_TERMS:
            raise InvalidRequest(MSG_SEARCH_TOO_MANY_TERMS.format(limit=MAX_SEARCH_TERMS), data={"Parameter": "search"})

    def in_field(path: str, term: str) -> Q:
        return Q(**{f"{path}__icontains": term})

    def any_field(term: str) -> Q:
        q = Q()
        for path in paths:
            q |= in_field(path, term)
        return q

    if params.search_type == "AnyTerm":
        q = Q()
        for term in terms:
            q |= any_field(term)
        return q
    if params.search_type == "AllTermsAnyField":
        q = Q()
        for term in terms:
            q &= any_field(term)
        return q
    q = Q()  # one field holds every term (or the phrase)
    for path in paths:
        field_q = Q()
        for term in terms:
            field_q &= in_field(path, term)
        q |= field_q
    return q


def is_unfiltered(params: ListParams) -> bool:
    """No filter and no search: the list is every row of its queryset (paging/sorting aside)."""
    return not params.filters and not params.search


def page_slice(qs: QuerySet, params: ListParams, *, total: int | None = None) -> tuple[list, dict]:
    """(rows of the page, Meta). A page beyond the end is empty with a correct Meta. `total` is
    the exact row count of `qs` when the caller knows it without counting (coreapi.rowcounts)."""
    if total is None:
        total = qs.count()
    offset = (params.page - 1) * params.page_size
    rows = list(qs[offset : offset + params.page_size]) if offset < total else []
    meta = {
        "Page": params.page,
        "PageSize": params.page_size,
        "TotalCount": total,
        "TotalPages": math.ceil(total / params.page_size) if total else 0,
        "ItemRange": [offset + 1, offset + len(rows)],
        "NextPageKey": None,
    }
    return rows, meta
