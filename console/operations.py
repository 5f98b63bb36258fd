"""The request builder: operations from the built-in core API's OpenAPI document, and the
translation of the builder's form fields into (method, path, query, body).

Form field names:
  path.<name>          path parameters (required)
  q.<name>             other query parameters of the operation
  page, pageSize, search, searchOn, sortBy, sortDir (asc|desc)   list parameters
  f.field / f.op / f.value   filter rows (repeated, aligned); `xp.*` fields allowed
  body.<Field>         top-level scalar body fields (strings, numbers, booleans, string lists)
  body_json            the JSON body editor (merged under the body.<Field> values)

Number fields: empty = omitted, anything else is parsed and sent, so 0 is sent as 0; negative
numbers are accepted unless the schema's minimum forbids them.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

from organizations import environments
from portal.common import jsonbody
from portal.common.errors import ApplicationError, NotFoundError

ERR_OPERATION_NOT_FOUND = "Unknown operation."
ERR_OPENAPI_UNAVAILABLE = "The core API's OpenAPI document could not be loaded."
ERR_REQUIRED = "Required."
ERR_WHOLE_NUMBER = "Enter a whole number."
ERR_NUMBER = "Enter a number."
ERR_MIN = "Must be at least {minimum:g}."
ERR_MAX = "Must be at most {maximum:g}."
ERR_BOOLEAN = "Choose true or false."
ERR_JSON_TOO_DEEP = jsonbody.MSG_TOO_DEEP
ERR_JSON_OBJECT = "The JSON body must be an object when body fields are set."
ERR_FILTER_FIELD = "Filter field names may contain letters, digits, '.', '_' and '-'."
ERR_FILTER_OPERATOR = "Unknown filter operator {op!r}: choose equals, not equal, greater or less than, at least, at most, starts with or contains."
ERR_NUL = "May not contain NUL characters."
# the core API's IDs: coreapi.resources.ID_PATTERN (coreapi.errors.MSG_INVALID_ID), as OrderCloud's
ERR_PATH_SLASH = 'An ID cannot contain "/": OrderCloud IDs have only letters, digits, "-" and "_".'
ERR_PATH_DOTS = '"{value}" is not an ID: OrderCloud IDs have only letters, digits, "-" and "_".'
ERR_REDACTED = (
    "Type the {name} again: the history does not keep passwords or secrets, it shows them as ********."
)
# what the history keeps of a value named like a password or secret (console.services.history_redact_secrets)
REDACTED = "********"
# Names of values the history does not keep: passwords, secrets, a webhook's or integration event's
# HashKey and CustomAuthHeaderValue, tokens and API keys (in the core API's bodies or an xp)...
SECRET_NAME_RE = re.compile(
    r"pass(word|phrase)|secret|hash_?key|auth_?header_?value|token|api_?key|private_?key|credential",
    re.IGNORECASE,
)
# ...but not the settings and facts named after them (PasswordLastSetDate, MinimumPasswordAge,
# AccessTokenDuration, token_type, apiClientSecretID, CustomAuthHeaderName)
NOT_SECRET_NAME_RE = re.compile(r"(date|duration|age|reuse|config|count|ids?|type|name|expiration)$", re.IGNORECASE)


def is_secret_name(name) -> bool:
    """Whether a body field (or xp key, or filter field) of this name holds a secret."""
    name = str(name)
    return bool(SECRET_NAME_RE.search(name)) and not NOT_SECRET_NAME_RE.search(name)


# a text field's hint by its schema's format
FORMAT_PLACEHOLDERS = {"date-time": "2026-01-31T12:00:00Z", "date": "2026-01-31", "email": "name@example.com",
                       "uri": "https://example.com/"}

LIST_PARAMS = ("search", "searchOn", "sortBy", "page", "pageSize")
SCALAR_TYPES = ("string", "integer", "number", "boolean")
FILTER_OPERATORS = [
    ("=", "equals"),
    ("!", "not equal"),
    (">", "greater than"),
    ("<", "less than"),
    (">=", "at least"),
    ("<=", "at most"),
    ("*=", "starts with"),
    ("*=*", "contains"),
]
FILTER_OPERATOR_VALUES = frozenset(value for value, _ in FILTER_OPERATORS)
FILTER_FIELD_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


FILTER_PARTS = {"field": "field", "op": "operator", "value": "value"}  # f.<part>.<row>: "Filter 1 field"
FILTER_ERROR_KEY_RE = re.compile(r"f\.(field|op|value)\.(\d+)")


def field_error_place(key: str) -> tuple[str, str, int]:
    """Where a BuilderError key is in the builder, as the user sees it: (the field's label, its form
    name, which of the fields of that name). `body_json` -> ("JSON", "body_json", 0); `f.field.1`
    -> ("Filter 2 field", "f.field", 1); `body.NewPassword` -> ("NewPassword", "body.NewPassword", 0)."""
    match = FILTER_ERROR_KEY_RE.fullmatch(key)
    if match:
        index = int(match.group(2))
        return f"Filter {index + 1} {FILTER_PARTS[match.group(1)]}", f"f.{match.group(1)}", index
    if key == "body_json":
        return "JSON", key, 0
    prefix, _, rest = key.partition(".")
    if prefix in ("path", "q", "body") and rest:
        return rest, key, 0
    return key, key, 0


class BuilderError(ApplicationError):
    """Some fields are invalid: `errors` maps field name -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Param:
    name: str
    type: str  # string | integer | number | boolean | array
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: list | None = None
    description: str = ""
    format: str = ""  # the schema's format: "date-time"
    max_length: int | None = None  # the schema's maxLength (a text input's maxlength)

    @property
    def placeholder(self) -> str:
        """What a value of this format looks like (a date-time field's hint)."""
        return FORMAT_PLACEHOLDERS.get(self.format, "")

    @property
    def is_number(self) -> bool:
        return self.type in ("integer", "number")

    @property
    def is_secret(self) -> bool:
        """A password or secret (named as the history names them, is_secret_name): a masked input."""
        return self.type == "string" and is_secret_name(self.name)

    @property
    def input_type(self) -> str:
        return "number" if self.is_number else "password" if self.is_secret else "text"

    @property
    def step(self) -> str:
        return "1" if self.type == "integer" else "any"


@dataclass
class Operation:
    id: str
    method: str
    path: str
    tag: str
    summary: str = ""
    description: str = ""
    path_params: list[Param] = field(default_factory=list)
    query_params: list[Param] = field(default_factory=list)  # not the standard list parameters
    is_list: bool = False
    body_fields: list[Param] = field(default_factory=list)
    body_example: Any = None
    has_body: bool = False
    # body properties only the JSON editor takes (objects, lists of objects, any JSON), as (name, kind):
    # named under it, so an optional Inventory or PasswordConfig is found without the OpenAPI document
    json_fields: list[tuple[str, str]] = field(default_factory=list)
    filter_fields: list[str] = field(default_factory=list)  # scalar fields the list filters and sorts on
    filter_xp: bool = False  # and `xp.<name>` paths

    @property
    def has_required_body(self) -> bool:
        return any(p.required for p in self.body_fields)

    @property
    def sdk_resource(self) -> str:
        return self.id.split(".")[0]

    @property
    def sdk_method(self) -> str:
        return self.id.split(".")[-1]


@dataclass
class BuiltRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: str | None
    body_value: Any = None


# --- the OpenAPI catalogue -----------------------------------------------------------------------
_cache: dict[str, list[Operation]] = {}
_cache_lock = threading.Lock()


def openapi_url() -> str:
    return f"{environments.builtin_prefix()}sandbox/v1/openapi.json"


def _openapi_document() -> dict:
    from console.client import CoreApiUnavailable, core_request

    try:
        response = core_request(method="GET", url=openapi_url(), headers={"Accept": "application/json"})
        if response.status != 200:
            raise ApplicationError(ERR_OPENAPI_UNAVAILABLE)
        return response.json()
    except (CoreApiUnavailable, ValueError) as exc:
        raise ApplicationError(ERR_OPENAPI_UNAVAILABLE) from exc


def _resolve(schema: dict | None, components: dict, depth: int = 0) -> dict:
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "$ref" in schema:
        return _resolve(components.get(schema["$ref"].rsplit("/", 1)[-1], {}), components, depth + 1)
    if "anyOf" in schema:  # Optional[X] -> X
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        if len(options) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**_resolve(options[0], components, depth + 1), **merged}
    if "allOf" in schema:  # a resource's schema + the fields a create/replace needs
        merged: dict = {}
        required: list[str] = []
        for part in [*schema["allOf"], {k: v for k, v in schema.items() if k != "allOf"}]:
            resolved = _resolve(part, components, depth + 1)
            required += [name for name in resolved.get("required", []) if name not in required]
            properties = {**merged.get("properties", {}), **resolved.get("properties", {})}
            merged = {**merged, **resolved, **({"properties": properties} if properties else {})}
        return {**merged, **({"required": required} if required else {})}
    return schema


def _param(name: str, schema: dict, components: dict, *, required: bool = False, description: str = "",
           untyped: str = "complex") -> Param:
    """A field of `schema`. A schema without a type (any JSON value: a webhook's ConfigData), an
    object, or a list of anything but strings is "complex": the JSON editor's, not a text input that
    would send typed JSON as a string. A query or path parameter without a type (`untyped="string"`)
    is text: that is all a URL can carry."""
    s = _resolve(schema, components)
    kind = s.get("type") or untyped
    enum = s.get("enum")
    if kind == "array":
        items = _resolve(s.get("items"), components)
        kind = "array" if items.get("type") == "string" else "complex"
        enum = items.get("enum") if kind == "array" else None  # the values a list of strings may hold
    elif kind not in SCALAR_TYPES:
        kind = "complex"
    return Param(
        name=name,
        type=kind,
        required=required,
        minimum=s.get("minimum"),
        maximum=s.get("maximum"),
        enum=enum,
        description=description or s.get("description", ""),
        format=s.get("format", "") if kind == "string" else "",
        max_length=s.get("maxLength") if kind == "string" else None,
    )


def _json_kind(schema: dict, components: dict) -> str:
    """How the builder names a JSON-only property's kind: "object", "list" or "any JSON"."""
    kind = _resolve(schema, components).get("type")
    return {"object": "object", "array": "list"}.get(kind, "object" if "properties" in _resolve(schema, components)
                                                      else "any JSON")


_NO_EXAMPLE = object()


def _valid_example(schema: dict, components: dict, depth: int = 0) -> Any:
    """A value of `schema` the API would accept, made only of what the schema itself says (its
    example, default or first enum value; an object's required properties; an empty list where it
    may be empty); _NO_EXAMPLE when none can be made: never a made-up 0 or "" the API may refuse."""
    s = _resolve(schema, components)
    if depth > 4:
        return _NO_EXAMPLE
    for key in ("example", "default"):
        if key in s:
            return s[key]
    if s.get("enum"):
        return s["enum"][0]
    kind = s.get("type")
    if kind == "object" or "properties" in s:
        value = {}
        for name in s.get("required") or ():
            sub = _valid_example((s.get("properties") or {}).get(name, {}), components, depth + 1)
            if sub is _NO_EXAMPLE:
                return _NO_EXAMPLE
            value[name] = sub
        return value
    if kind == "array":
        if not s.get("minItems"):
            return []
        item = _valid_example(s.get("items") or {}, components, depth + 1)
        return _NO_EXAMPLE if item is _NO_EXAMPLE else [item] * int(s["minItems"])
    return _NO_EXAMPLE


def _build(document: dict) -> list[Operation]:
    components = (document.get("components") or {}).get("schemas") or {}
    operations = []
    for path, methods in (document.get("paths") or {}).items():
        if not path.startswith("/v1/") or path.endswith("openapi.json"):
            continue
        for method, spec in methods.items():
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE") or not isinstance(spec, dict):
                continue
            params = spec.get("parameters") or []
            names = {p.get("name") for p in params if p.get("in") == "query"}
            op = Operation(
                id=spec.get("operationId") or f"{method.upper()} {path}",
                method=method.upper(),
                path=path,
                tag=(spec.get("tags") or ["Other"])[0],
                summary=spec.get("summary", ""),
                description=spec.get("description", ""),
                is_list=method.upper() == "GET" and {"page", "pageSize"} <= names,
            )
            for p in params:
                param = _param(p["name"], p.get("schema") or {}, components, required=bool(p.get("required")),
                               description=p.get("description", ""), untyped="string")
                if p.get("in") == "path":
                    param.required = True
                    op.path_params.append(param)
                elif p.get("in") == "query" and not (op.is_list and p["name"] in LIST_PARAMS):
                    op.query_params.append(param)
            body_schema = (((spec.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")
            if body_schema:
                op.has_body = True
                resolved = _resolve(body_schema, components)
                complex_example = {}
                required = set(resolved.get("required") or ())
                for name, sub in (resolved.get("properties") or {}).items():
                    if isinstance(sub, dict) and sub.get("readOnly") and name not in required:
                        continue  # set by the API (DateCreated, counts): not a field to fill in
                    # ...unless the body must carry it all the same (Me.Save's Active: required, and
                    # read-only, the API ignores its value): offered, or the request could not succeed
                    param = _param(name, sub, components, required=name in required)
                    if param.type == "complex":
                        if name != "xp":
                            op.json_fields.append((name, _json_kind(sub, components)))
                        # Pre-fill xp only; leave optional nested objects (Inventory) and lists of
                        # objects (PriceBreaks, WebhookRoutes) out: an untouched template must add
                        # nothing the API refuses (a PriceBreak of Quantity 0, a WebhookRoute of "").
                        # A required one gets an example only when a valid one can be made.
                        if name == "xp":
                            complex_example[name] = {}
                        elif param.required:
                            example = _valid_example(sub, components)
                            if example is not _NO_EXAMPLE:
                                complex_example[name] = example
                    else:
                        op.body_fields.append(param)
                if resolved.get("properties"):
                    op.body_example = complex_example
                else:
                    example = _valid_example(body_schema, components)
                    op.body_example = None if example is _NO_EXAMPLE else example
                if op.method == "PATCH":
                    # a patch changes what it names: a pre-filled list (PriceBreaks) sent along with
                    # the field the user meant to change would replace the real one
                    op.body_example = {}
            if op.is_list:
                op.filter_fields, op.filter_xp = _filter_fields(path, _list_item_schema(spec, components), components)
            operations.append(op)
    return operations


COUNT_NAME_RE = re.compile(r"Count$")


@cache  # read once: _build asks it for every list operation
def _core_list_specs() -> dict:
    """The built-in core API's list specs by route ("/v1/products"): the fields each list filters
    and sorts on. The OpenAPI document does not say; {} when they cannot be read."""
    try:
        from coreapi.definitions import ASSIGNMENTS, RESOURCES
    except ImportError:  # pragma: no cover - the console without the built-in core API
        return {}
    specs = {f"/{r.collection_route}": r.list_spec for r in RESOURCES}
    specs.update({f"/{a.route}": a.list_spec for a in ASSIGNMENTS})
    return specs


def _filter_fields(path: str, item: dict, components: dict, specs: dict | None = None) -> tuple[list[str], bool]:
    """(the fields a list's filters and sortBy may name, whether it filters on xp paths). Only the
    item's scalar fields: not objects (Inventory), lists (Roles, PriceBreaks), values of any type
    (ConfigData), secrets (Password is write-only), counts the API works out (SpecCount, marked
    read-only or not, as BuyerProduct's). Of those, where the built-in core API's list spec is known,
    only the ones it accepts (not IsOnSale, nor the ApiClient's *IntegrationEventName); these are
    suggestions only, and a remote API is sent whatever is typed. xp is no field of its own:
    `xp.<name>`, shown as a hint."""
    properties = item.get("properties") or {}
    names = []
    for name, sub in properties.items():
        param = _param(name, sub, components)
        if param.type not in SCALAR_TYPES or is_secret_name(name) or COUNT_NAME_RE.search(name):
            continue
        names.append(name)
    spec = (_core_list_specs() if specs is None else specs).get(path)
    if spec is None:
        return sorted(names), "xp" in properties
    return sorted(n for n in names if n in spec.columns), bool(spec.xp_column)


def _list_item_schema(spec: dict, components: dict) -> dict:
    ok = (spec.get("responses") or {}).get("200") or {}
    schema = _resolve((((ok.get("content") or {}).get("application/json") or {}).get("schema")), components)
    items = _resolve(((schema.get("properties") or {}).get("Items") or {}), components)
    return _resolve(items.get("items"), components)


def operations() -> list[Operation]:
    url = openapi_url()
    ops = _cache.get(url)
    if ops is None:
        document = _openapi_document()
        with _cache_lock:
            ops = _cache[url] = _build(document)
    return ops


def operations_grouped(search: str = "") -> list[tuple[str, list[Operation]]]:
    """[(tag, [operation, ...]), ...] in document order, filtered by a case-insensitive search
    over operation id, path, method and summary."""
    terms = (search or "").lower().split()
    groups: dict[str, list[Operation]] = {}
    for op in operations():
        haystack = f"{op.id} {op.method} {op.path} {op.summary} {op.tag}".lower()
        if all(t in haystack for t in terms):
            groups.setdefault(op.tag, []).append(op)
    return list(groups.items())


def operation_exists(operation_id: str) -> bool:
    return any(op.id == operation_id for op in operations())


def operation_get(operation_id: str) -> Operation:
    for op in operations():
        if op.id == operation_id:
            return op
    raise NotFoundError(ERR_OPERATION_NOT_FOUND)


# --- form fields -> request ----------------------------------------------------------------------
def _first(data, name: str, *, strip: bool = True) -> str:
    """The field's (first) value; trimmed unless `strip=False` (body fields: sent as typed)."""
    value = data.getlist(name) if hasattr(data, "getlist") else data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    value = (value or "") if isinstance(value, str) else str(value)
    return value.strip() if strip else value


def _list(data, name: str) -> list[str]:
    if hasattr(data, "getlist"):
        return list(data.getlist(name))
    value = data.get(name, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def parse_value(param: Param, raw: str) -> Any:
    """Empty -> None (omit). Numbers keep 0 and negatives (subject to the schema's bounds).

    A text value is returned as typed, its leading and trailing spaces kept (a password "  pass  "
    is that password; the JSON editor keeps them too); a field holding only spaces is not empty and
    is sent as typed too. Numbers, booleans and comma-separated lists are read without the spaces
    around them. (Path and query values are trimmed before they get here, request_build.)"""
    raw = raw or ""
    if raw == "":
        return None
    if param.type == "string":
        return raw
    raw = raw.strip()
    if raw == "":
        return None
    if param.type == "integer":
        try:
            value = int(raw)
        except ValueError:
            try:
                as_float = float(raw)
            except ValueError:
                raise ValueError(ERR_WHOLE_NUMBER) from None
            if not as_float.is_integer():
                raise ValueError(ERR_WHOLE_NUMBER) from None
            value = int(as_float)
    elif param.type == "number":
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(ERR_NUMBER) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(ERR_NUMBER)
        if value.is_integer() and "." not in raw and "e" not in raw.lower():
            value = int(value)
    elif param.type == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ValueError(ERR_BOOLEAN)
        return raw.lower() == "true"
    elif param.type == "array":
        return [part.strip() for part in raw.split(",") if part.strip()]
    else:
        return raw
    if param.minimum is not None and value < param.minimum:
        raise ValueError(ERR_MIN.format(minimum=param.minimum))
    if param.maximum is not None and value > param.maximum:
        raise ValueError(ERR_MAX.format(maximum=param.maximum))
    return value


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def filter_expression(op: str, value: str) -> str:
    """OrderCloud puts the operator in the value: `Name=!foo`, `Price=>=10`, `Name=foo*`. "starts
    with" and "contains" add the wildcard a value does not already have at that end (`Bl*` starts
    with: `Bl*`, not `Bl**`); the comparisons send the value as typed (the core API compares a `*`
    in it literally, or refuses it on a field that is not text).

    `|` separates alternatives (OR): each gets its wildcards, "contains" hoodie|shirt is
    `*hoodie*|*shirt*` (`*hoodie|shirt*` would read "ends with hoodie or starts with shirt"); an
    empty alternative (`a||b`, `a|`) is left out."""
    if op in ("*=", "*=*"):
        alternatives = [part for part in value.split("|") if part] or [value]
        return "|".join(_wildcarded(op, part) for part in alternatives)
    if op in ("!", ">", "<", ">=", "<="):
        return f"{op}{value}"
    return value


def _wildcarded(op: str, value: str) -> str:
    if op == "*=":
        return value if value.endswith("*") else f"{value}*"
    return ("" if value.startswith("*") else "*") + value + ("" if value.endswith("*") else "*")


LIST_PARAM_SPECS = {
    "page": Param("page", "integer"),
    "pageSize": Param("pageSize", "integer"),
}


def _path_value_error(value: str) -> str | None:
    """Why an ID cannot be put into the path as one segment, if it cannot."""
    if not value:
        return ERR_REQUIRED
    # %2F is decoded back to "/" by the server (a path with one more segment: "No such endpoint"),
    # and HTTP clients resolve "." and ".." (DELETE .../users/.. would delete the buyer)
    if "/" in value:
        return ERR_PATH_SLASH
    if value in (".", ".."):
        return ERR_PATH_DOTS.format(value=value)
    return None


def request_build(*, operation: Operation, data) -> BuiltRequest:
    """Turn the builder's fields into a request; raises BuilderError with per-field messages."""
    # a NUL could neither be sent (the core API refuses it) nor kept in the history (PostgreSQL)
    keys = data.keys() if hasattr(data, "keys") else []
    errors: dict[str, str] = {
        key.replace("\x00", "\N{SYMBOL FOR NULL}"): ERR_NUL
        for key in keys if "\x00" in key or any("\x00" in str(value) for value in _list(data, key))
    }
    if errors:
        raise BuilderError(errors)
    path = operation.path
    for param in operation.path_params:
        value = _first(data, f"path.{param.name}")
        error = _path_value_error(value)
        if error:
            errors[f"path.{param.name}"] = error
            continue
        # one path segment: "?", "#", "%", spaces and the like percent-encoded, so the API gets the literal ID
        path = path.replace("{" + param.name + "}", quote(value, safe=""))
    query: list[tuple[str, str]] = []
    if operation.is_list:
        for name in ("search", "searchOn"):
            value = _first(data, name)
            if value:
                query.append((name, value))
        sort_by = _first(data, "sortBy")
        if sort_by:
            if _first(data, "sortDir") == "desc":
                sort_by = ",".join(f"!{part.strip().lstrip('!')}" for part in sort_by.split(",") if part.strip())
            query.append(("sortBy", sort_by))
        for name, spec in LIST_PARAM_SPECS.items():
            try:
                value = parse_value(spec, _first(data, name))
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            if value is not None:
                query.append((name, str(value)))
        fields, ops, values = _list(data, "f.field"), _list(data, "f.op"), _list(data, "f.value")
        for i, name in enumerate(fields):
            name = (name or "").strip()
            value = (values[i] if i < len(values) else "") or ""
            if not name or value.strip() == "":
                continue
            if not FILTER_FIELD_RE.match(name):
                errors[f"f.field.{i}"] = ERR_FILTER_FIELD
                continue
            if value.strip() == REDACTED and is_secret_name(name):  # an entry of the history opened again
                errors[f"f.value.{i}"] = ERR_REDACTED.format(name=name)
                continue
            op = (ops[i] if i < len(ops) else "") or "="
            if op not in FILTER_OPERATOR_VALUES:  # only a hand-made post: the page offers the list
                errors[f"f.op.{i}"] = ERR_FILTER_OPERATOR.format(op=op)
                continue
            query.append((name, filter_expression(op, value.strip())))
    for param in operation.query_params:
        try:
            value = parse_value(param, _first(data, f"q.{param.name}"))
        except ValueError as exc:
            errors[f"q.{param.name}"] = str(exc)
            continue
        if value is None:
            if param.required:
                errors[f"q.{param.name}"] = ERR_REQUIRED
            continue
        query.append((param.name, _query_text(value)))
    body = None
    body_value = None
    if operation.has_body and operation.method in ("POST", "PUT", "PATCH"):
        raw = _first(data, "body_json")
        try:
            body_value = jsonbody.loads(raw) if raw else {}
        except jsonbody.BodyRejected as exc:  # broken JSON, NaN, Infinity: what the API would refuse
            errors["body_json"] = str(exc)
            body_value = {}
        except RecursionError:  # Python's recursion limit, some thousand levels deep
            errors["body_json"] = ERR_JSON_TOO_DEEP
            body_value = {}
        field_values = {}
        for param in operation.body_fields:
            try:
                value = parse_value(param, _first(data, f"body.{param.name}", strip=False))
            except ValueError as exc:
                errors[f"body.{param.name}"] = str(exc)
                continue
            if value is not None:
                field_values[param.name] = value
        if field_values:
            if not isinstance(body_value, dict):
                errors["body_json"] = ERR_JSON_OBJECT
            else:
                body_value = {**body_value, **field_values}
        body = json.dumps(body_value)
        if f'"{REDACTED}"' in body:  # an entry of the history opened again: not sent as the password
            for name in redacted_secret_names(body_value):
                key = f"body.{name}" if name in field_values else "body_json"
                errors.setdefault(key, ERR_REDACTED.format(name=name))
    if errors:
        raise BuilderError(errors)
    return BuiltRequest(method=operation.method, path=path, query=query, body=body, body_value=body_value)


def redacted_secret_names(value) -> list[str]:
    """Names of the password or secret fields in a parsed body whose value is the history's REDACTED."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if item == REDACTED and is_secret_name(key):
                found.append(str(key))
            else:
                found += redacted_secret_names(item)
    elif isinstance(value, list):
        for item in value:
            found += redacted_secret_names(item)
    return found


def builder_state(data) -> dict:
    """The builder's fields as a JSON-able dict of lists (stored with the history entry)."""
    keys = data.keys() if hasattr(data, "keys") else []
    skip = {"csrfmiddlewaretoken", "live", "ctx_client_id", "ctx_username"}  # not fields of the request
    return {key: _list(data, key) for key in keys if key not in skip}
