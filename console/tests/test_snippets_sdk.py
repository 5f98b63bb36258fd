"""Every operation's "Copy as JavaScript SDK call" run with the real ordercloud-javascript-sdk@12:
the request the SDK makes is the one the console sends (method, path, query, body). Needs node +
npm; the SDK is installed once into .cache/npm-sdk (tests/sdk/harness.py)."""

import base64
import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from django.http import QueryDict

from console.operations import operations, request_build
from console.snippets import js_sdk
from tests.sdk.harness import _require, ensure_sdk_installed

SCRIPT = Path(__file__).with_name("sdk_snippets.js")


def _jwt() -> str:
    """A token the SDK accepts as unexpired (it reads `exp`; nothing verifies the signature here)."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'usr': 'dev', 'exp': 4102444800, 'nbf': 1})}.sig"


def _fields(operation) -> QueryDict:
    data = QueryDict(mutable=True)
    for i, p in enumerate(operation.path_params):
        data[f"path.{p.name}"] = f"{p.name}-value-{i}"
    for p in operation.query_params:
        data[f"q.{p.name}"] = str(p.enum[0]) if p.enum else ("true" if p.type == "boolean" else "3" if p.is_number else "some-id")
    if operation.is_list:
        data.update({"search": "red shirt", "page": "2", "pageSize": "5", "sortBy": "Name", "sortDir": "desc"})
        for field, op, value in (("xp.color", "=", "dark red"), ("ID", ">=", "a"), ("ID", "<", "m")):
            data.appendlist("f.field", field)
            data.appendlist("f.op", op)
            data.appendlist("f.value", value)
    if operation.has_body:
        data["body_json"] = json.dumps({"Name": "n", "xp": {"a": 1}})
    return data


def test_every_sdk_snippet_makes_the_request_the_console_sends(db):
    expected, snippets = {}, []
    for operation in operations():
        data = _fields(operation)
        built = request_build(operation=operation, data=data)
        path_values = [data[f"path.{p.name}"] for p in operation.path_params]
        snippets.append({"id": operation.id, "js": js_sdk(operation=operation, base_url="BASE_URL", built=built,
                                                          path_values=path_values)})  # fmt: skip
        expected[operation.id] = (built.method, built.path, sorted(built.query),
                                  built.body_value if built.body is not None else None)  # fmt: skip
    node_modules = ensure_sdk_installed()
    result = subprocess.run([_require("node"), str(SCRIPT)], input=json.dumps({"token": _jwt(), "snippets": snippets}),
                            capture_output=True, text=True, timeout=120, env={"NODE_PATH": str(node_modules)})  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    wrong = {}
    for run in json.loads(result.stdout)["results"]:
        request = run["request"]
        if run["error"] or request is None:
            wrong[run["id"]] = run["error"] or "no request"
            continue
        url = urlsplit(request["url"])
        got = (request["method"], unquote(url.path), sorted(parse_qsl(url.query, keep_blank_values=True)),
               json.loads(request["body"]) if request["body"] else None)  # fmt: skip
        method, path, query, body = expected[run["id"]]
        if got != (method, unquote(path), query, body):
            wrong[run["id"]] = {"sdk": got, "console": (method, path, query, body)}
    assert len(snippets) > 150 and not wrong, json.dumps(wrong, indent=1)[:6000]


@pytest.mark.parametrize("op_id", ["ApiClients.DeleteBuyerAssignment", "ApiClients.DeleteSupplierAssignment"])
def test_path_values_follow_the_sdks_parameter_order(db, op_id):
    from console.operations import operation_get

    operation = operation_get(op_id)
    data = _fields(operation)
    built = request_build(operation=operation, data=data)
    company = next(p.name for p in operation.path_params if p.name != "apiClientID")
    snippet = js_sdk(operation=operation, base_url="x", built=built,
                     path_values=[data[f"path.{p.name}"] for p in operation.path_params])  # fmt: skip
    assert f'{op_id}("apiClientID-value-' in snippet and f'"{company}-value-' in snippet.split(", ", 1)[1]


def test_a_boolean_query_parameter_is_a_boolean_in_the_sdk_call(db):
    """The SDK types GenerateVariants' options as {overwriteExisting?: boolean}: the string "true"
    would not compile in TypeScript."""
    from console.operations import operation_get

    operation = operation_get("Products.GenerateVariants")
    data = QueryDict(mutable=True)
    data.update({"path.productID": "hoodie", "q.overwriteExisting": "true", "body_json": "{}"})
    built = request_build(operation=operation, data=data)
    snippet = js_sdk(operation=operation, base_url="x", built=built, path_values=["hoodie"])
    assert '"overwriteExisting": true' in snippet and '"true"' not in snippet
    data["q.overwriteExisting"] = "false"
    built = request_build(operation=operation, data=data)
    assert '"overwriteExisting": false' in js_sdk(operation=operation, base_url="x", built=built, path_values=["hoodie"])
