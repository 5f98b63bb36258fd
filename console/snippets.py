""""Copy as curl" and "copy as JavaScript SDK call" for a built request.

Tokens are never put into a page here: the snippets use the placeholder $TOKEN (curl) / TOKEN
(SDK), unless the user explicitly reveals their own current token (views.token_reveal_view).
"""

import json
import shlex
from urllib.parse import urlencode

from console.operations import BuiltRequest, Operation, parse_value

TOKEN_PLACEHOLDER = "$TOKEN"


def full_url(base_url: str, built: BuiltRequest) -> str:
    url = f"{base_url.rstrip('/')}{built.path}"
    if built.query:
        url += "?" + urlencode(built.query)
    return url


def curl(*, base_url: str, built: BuiltRequest, token: str = TOKEN_PLACEHOLDER) -> str:
    auth = f"Authorization: Bearer {token}"
    lines = [f"curl -X {built.method} {shlex.quote(full_url(base_url, built))}"]
    # $TOKEN stays expandable by the shell; a revealed token is quoted literally.
    lines.append(f'  -H "{auth}"' if token == TOKEN_PLACEHOLDER else f"  -H {shlex.quote(auth)}")
    lines.append("  -H 'Accept: application/json'")
    if built.body is not None:
        lines.append("  -H 'Content-Type: application/json; charset=UTF-8'")
        lines.append(f"  --data {shlex.quote(built.body)}")
    return " \\\n".join(lines)


def _js(value) -> str:
    return json.dumps(value, indent=2)


# Operations whose SDK method takes its path parameters in another order than the path names them
# (ordercloud-javascript-sdk@12: ApiClients.DeleteBuyerAssignment(apiClientID, buyerID) for
# DELETE /buyers/{buyerID}/ApiClients/Assignments/{apiClientID}).
SDK_PATH_PARAMETER_ORDER = {
    "ApiClients.DeleteBuyerAssignment": ("apiClientID", "buyerID"),
    "ApiClients.DeleteSupplierAssignment": ("apiClientID", "supplierID"),
}


def _sdk_path_values(operation: Operation, path_values: list[str]) -> list[str]:
    by_name = dict(zip((p.name for p in operation.path_params), path_values, strict=False))
    order = SDK_PATH_PARAMETER_ORDER.get(operation.id)
    if not order or set(order) != set(by_name):
        return path_values
    return [by_name[name] for name in order]


def _typed(param, value: str):
    """A query parameter's value as the SDK types it, by its schema: a boolean (GenerateVariants'
    overwriteExisting) or a number (DeletePriceBreak's quantity?: number) is no string in its
    options (TypeScript refuses "true" for a boolean, "7" for a number). A value that does not read
    as its type (the builder refuses those before) stays the text it is."""
    if param.type in ("boolean", "integer", "number"):
        try:
            typed = parse_value(param, value)
        except ValueError:
            return value
        return value if typed is None else typed
    return value


def js_sdk(*, operation: Operation, base_url: str, built: BuiltRequest, path_values: list[str]) -> str:
    """An ordercloud-javascript-sdk call: path parameters in the SDK's order, then the body, then
    the list options ({catalogID, ..., search, searchOn, sortBy, page, pageSize, filters}): the
    operation's own query parameters are options of their own, the filter rows go into `filters`
    (two rows on one field as a list: the SDK sends each)."""
    args = [_js(v) for v in _sdk_path_values(operation, path_values)]
    if built.body is not None:
        args.append(_js(built.body_value))
    options: dict = {}
    filters: dict = {}
    standard = {"search", "searchOn", "sortBy", "page", "pageSize"}
    declared = {p.name: p for p in operation.query_params}
    for name, value in built.query:
        if name in declared:
            options[name] = _typed(declared[name], value)
        elif name in standard:
            options[name] = int(value) if name in ("page", "pageSize") and value.lstrip("-").isdigit() else value
        elif operation.is_list:
            if name not in filters:
                filters[name] = value
            elif isinstance(filters[name], list):
                filters[name].append(value)
            else:
                filters[name] = [filters[name], value]
        else:
            options[name] = value
    if filters:
        options["filters"] = filters
    if options:
        args.append(_js(options))
    resource = operation.sdk_resource
    return (
        f"import {{ Configuration, Tokens, {resource} }} from 'ordercloud-javascript-sdk';\n\n"
        f"Configuration.Set({{ baseApiUrl: {_js(base_url)} }});\n"
        f"Tokens.SetAccessToken(TOKEN);\n\n"
        f"const result = await {resource}.{operation.sdk_method}({', '.join(args)});"
    )
