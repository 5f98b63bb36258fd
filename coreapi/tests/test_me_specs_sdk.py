"""Me.ListSpecs / Me.GetSpec through the official ordercloud-javascript-sdk@12 against the live
server (tests/sdk/me_specs.js, run by tests/sdk/harness.py; needs node + npm)."""

import pytest

from coreapi.testing import core_buyer, core_world
from tests.sdk.harness import run_node_script


@pytest.fixture(scope="module")
def sdk_result(django_db_setup, django_db_blocker, live_server):
    with django_db_blocker.unblock():
        world = core_world(marketplace_id="mkt-sdk-specs", client_id="specs-admin-client", admin_username="specs-admin")
        core_buyer(world, buyer_id="specs-buyer", user_id="specs-shopper", username="specs-shopper",
                   client_id="specs-buyer-client")  # fmt: skip
        token = world.admin_token()

        def call(method, path, body=None):
            response = world.call(method, path, token, body)
            assert response.status_code in (201, 204), (path, response.content)

        try:
            call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True})
            call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "specs-buyer"})
            for product in ("lamp", "hidden"):
                call("post", "/v1/products", {"ID": product, "Name": product, "Active": True})
            call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "lamp"})
            for spec_id, order in (("color", 2), ("size", 1)):
                call("post", "/v1/specs", {"ID": spec_id, "Name": spec_id, "ListOrder": order})
                call("post", f"/v1/specs/{spec_id}/options", {"ID": f"{spec_id}-1", "Value": f"{spec_id} one"})
                call("post", "/v1/specs/productassignments", {"SpecID": spec_id, "ProductID": "lamp"})
            config = {
                "baseApiUrl": f"{live_server.url}/core/{world.environment}",
                "clientID": "specs-buyer-client",
                "username": "specs-shopper",
                "password": world.password,
                "productID": "lamp",
                "hiddenProductID": "hidden",
            }
            yield run_node_script("me_specs.js", config)
        finally:
            world.marketplace.delete()  # CASCADE: leave the shared test database as we found it


def test_me_list_specs_and_get_spec_through_the_sdk(sdk_result):
    check = sdk_result["checks"].get("me_specs")
    assert check and check["ok"], sdk_result["checks"]
    assert (check["ids"], check["options"], check["total"], check["got"]) == (
        ["size", "color"], [["size one"], ["color one"]], 2, "size")  # fmt: skip
    assert check["hidden"] == {"errorCode": "NotFound", "status": 404, "message": "Product hidden not found"}
