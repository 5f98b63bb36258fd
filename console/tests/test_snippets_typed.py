"""console.snippets.js_sdk: query options typed by their schema (QA console #7)."""

import pytest
from django.http import QueryDict

from console.operations import Param, operation_get, request_build
from console.snippets import _typed, js_sdk


def test_a_numeric_query_parameter_is_a_number_in_the_sdk_call(db):
    # QA #7: PriceSchedules.DeletePriceBreak("qa-ps1", {"quantity": "7"}); the SDK declares quantity?: number
    operation = operation_get("PriceSchedules.DeletePriceBreak")
    data = QueryDict(mutable=True)
    data.update({"path.priceScheduleID": "qa-ps1", "q.quantity": "7"})
    built = request_build(operation=operation, data=data)
    snippet = js_sdk(operation=operation, base_url="x", built=built, path_values=["qa-ps1"])
    assert '"quantity": 7' in snippet and '"7"' not in snippet
    data["q.quantity"] = "0"  # 0 is sent as 0
    built = request_build(operation=operation, data=data)
    assert '"quantity": 0' in js_sdk(operation=operation, base_url="x", built=built, path_values=["qa-ps1"])


@pytest.mark.parametrize(("param", "value", "expected"), [
    (Param("quantity", "integer"), "7", 7), (Param("quantity", "integer"), "-2", -2),
    (Param("price", "number"), "1.5", 1.5), (Param("price", "number"), "3", 3),
    (Param("flag", "boolean"), "false", False),
    (Param("id", "string"), "7", "7"), (Param("quantity", "integer"), "x", "x"),
])
def test_query_values_are_typed_by_their_schema(param, value, expected):
    typed = _typed(param, value)
    assert typed == expected and type(typed) is type(expected)
