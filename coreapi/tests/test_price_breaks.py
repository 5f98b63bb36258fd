"""PriceSchedules.SavePriceBreak (POST /v1/priceschedules/{priceScheduleID}/PriceBreaks, returns the
schedule) and DeletePriceBreak (DELETE .../PriceBreaks?quantity=N, 204): roles, supplier owners,
another marketplace, checks, webhooks and the OpenAPI document."""

import pytest

from coreapi import models as m
from coreapi.testing import api_error, core_world
from coreapi.tests.test_supplier_perspective import supplier_token
from coreapi.tests.test_webhooks import Receiver, webhook_create

pytestmark = pytest.mark.django_db

BREAKS = "/v1/priceschedules/ps/PriceBreaks"


@pytest.fixture
def schedule(call):
    call("post", "/v1/priceschedules", {"ID": "ps", "Name": "Std", "PriceBreaks": [{"Quantity": 1, "Price": 10}]},
         status=201)  # fmt: skip


def quantities(body: dict) -> list:
    return [(b["Quantity"], b["Price"]) for b in body["PriceBreaks"]]


def test_save_adds_a_break_or_replaces_the_one_with_its_quantity_and_returns_the_schedule(call, schedule):
    saved = call("post", BREAKS, {"Quantity": 10, "Price": 8, "SalePrice": 7}, status=200).json()
    assert saved["ID"] == "ps" and saved["Name"] == "Std"
    assert quantities(saved) == [(1, 10), (10, 8)]
    saved = call("post", BREAKS, {"Quantity": 5, "Price": 9}, status=200).json()
    assert quantities(saved) == [(1, 10), (5, 9), (10, 8)]  # by Quantity
    saved = call("post", BREAKS, {"Quantity": 10, "Price": 7.5, "SubscriptionPrice": 7}, status=200).json()
    assert quantities(saved) == [(1, 10), (5, 9), (10, 7.5)]
    assert saved["PriceBreaks"][2] == {"Quantity": 10, "Price": 7.5, "SalePrice": None, "SubscriptionPrice": 7,
                                       "BundlePrice": None}  # replaced: no SalePrice; every field shown
    assert quantities(call("get", "/v1/priceschedules/ps").json()) == [(1, 10), (5, 9), (10, 7.5)]


def test_delete_removes_the_break_with_that_quantity(call, schedule):
    call("post", BREAKS, {"Quantity": 10, "Price": 8}, status=200)
    response = call("delete", f"{BREAKS}?quantity=1", status=204)
    assert response.content == b""
    assert quantities(call("get", "/v1/priceschedules/ps").json()) == [(10, 8)]
    item = api_error(call("delete", f"{BREAKS}?quantity=1"), 404, "NotFound")
    assert item["Data"] == {"ObjectType": "PriceBreak", "ObjectID": "1"}
    assert item["Message"] == "Price schedule ps has no price break for quantity 1."
    item = api_error(call("delete", BREAKS), 400, "InvalidRequest")
    assert item["Data"]["Parameter"] == "quantity"
    assert api_error(call("delete", f"{BREAKS}?quantity=many"), 400, "InvalidRequest")["Data"]["Parameter"] == "quantity"
    assert quantities(call("get", "/v1/priceschedules/ps").json()) == [(10, 8)]


@pytest.mark.parametrize(("body", "field"), [
    ({"Price": 5}, "Quantity"),
    ({"Quantity": 2}, "Price"),
    ({"Quantity": 0, "Price": 5}, "Quantity"),
    ({"Quantity": 2, "Price": -1}, "Price"),
    ({"Quantity": 2, "Price": 1, "SalePrice": -1}, "SalePrice"),
])  # fmt: skip
def test_save_checks_the_break(call, schedule, body, field):
    item = api_error(call("post", BREAKS, body), 400, "InvalidRequest")
    assert item["Data"]["Field"] == field
    assert quantities(call("get", "/v1/priceschedules/ps").json()) == [(1, 10)]


def test_a_schedule_that_does_not_exist_or_is_another_marketplaces_is_not_found(world, call):
    other = core_world(marketplace_id="mkt-two", client_id="c2")
    m.PriceSchedule.objects.create(marketplace=other.marketplace, oc_id="ps", name="Theirs",
                                   price_breaks=[{"Quantity": 1, "Price": 3}])  # fmt: skip
    for response in (call("post", BREAKS, {"Quantity": 2, "Price": 1}), call("delete", f"{BREAKS}?quantity=1")):
        assert api_error(response, 404, "NotFound")["Data"] == {"ObjectType": "PriceSchedule", "ObjectID": "ps"}
    assert m.PriceSchedule.objects.get(marketplace=other.marketplace).price_breaks == [{"Quantity": 1, "Price": 3}]


def test_they_need_price_schedule_admin(world, call, schedule):
    token = world.admin_token(scope="PriceScheduleReader")
    item = api_error(world.call("post", "/v1/priceschedules/ps/PriceBreaks", token, {"Quantity": 2, "Price": 1}),
                     403, "InsufficientRoles")  # fmt: skip
    assert item["Data"] == {"SufficientRoles": ["PriceScheduleAdmin"]}
    api_error(world.call("delete", "/v1/priceschedules/ps/PriceBreaks?quantity=1", token), 403, "InsufficientRoles")
    assert quantities(call("get", "/v1/priceschedules/ps").json()) == [(1, 10)]


def test_a_supplier_user_changes_its_own_supplier_schedules_only(world, call, schedule):
    maker = supplier_token(world, "maker", "maker-user")
    own = world.call("post", "/v1/priceschedules", maker, {"ID": "maker-ps", "Name": "Maker"})
    assert own.status_code == 201, own.content
    saved = world.call("post", "/v1/priceschedules/maker-ps/PriceBreaks", maker, {"Quantity": 1, "Price": 2})
    assert saved.status_code == 200 and quantities(saved.json()) == [(1, 2)]
    assert world.call("delete", "/v1/priceschedules/maker-ps/PriceBreaks?quantity=1", maker).status_code == 204
    # the marketplace's schedule is not the supplier's: not found
    api_error(world.call("post", BREAKS, maker, {"Quantity": 2, "Price": 1}), 404, "NotFound")
    api_error(world.call("delete", f"{BREAKS}?quantity=1", maker), 404, "NotFound")


def test_they_fire_webhooks_of_their_routes(world, call, schedule, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        webhook_create(world, receiver.url, routes=[
            {"Route": "v1/priceschedules/{priceScheduleID}/PriceBreaks", "Verb": "POST"},
            {"Route": "v1/priceschedules/{priceScheduleID}/PriceBreaks", "Verb": "DELETE"},
        ])  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            call("post", BREAKS, {"Quantity": 3, "Price": 2}, status=200)
        with django_capture_on_commit_callbacks(execute=True):
            call("delete", f"{BREAKS}?quantity=3", status=204)
        with django_capture_on_commit_callbacks(execute=True):
            call("delete", f"{BREAKS}?quantity=3", status=404)  # a failed write fires nothing
    posted, deleted = receiver.calls
    assert (posted["body"]["Verb"], posted["body"]["Route"], posted["body"]["RouteParams"]) == (
        "POST", "v1/priceschedules/{priceScheduleID}/PriceBreaks", {"priceScheduleID": "ps"})
    assert posted["body"]["Request"]["Body"] == {"Quantity": 3, "Price": 2}
    assert quantities(posted["body"]["Response"]["Body"]) == [(1, 10), (3, 2)]
    assert (deleted["body"]["Verb"], deleted["body"]["QueryParams"]) == ("DELETE", {"quantity": "3"})


def test_they_are_in_the_openapi_document(client):
    document = client.get("/core/sandbox/v1/openapi.json").json()
    operations = document["paths"]["/v1/priceschedules/{priceScheduleID}/PriceBreaks"]
    assert operations["post"]["operationId"] == "PriceSchedules.SavePriceBreak"
    assert operations["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == ["Quantity", "Price"]
    assert operations["post"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PriceSchedule"}
    assert operations["delete"]["operationId"] == "PriceSchedules.DeletePriceBreak"
    assert [p["name"] for p in operations["delete"]["parameters"]] == ["priceScheduleID", "quantity"]
    assert "204" in operations["delete"]["responses"]
