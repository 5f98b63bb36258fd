"""PriceSchedules.SavePriceBreak / DeletePriceBreak through the official ordercloud-javascript-sdk@12
against the live server (tests/sdk/price_breaks.js, run by tests/sdk/harness.py; needs node + npm)."""

import pytest

from coreapi.testing import core_world
from tests.sdk.harness import run_node_script


@pytest.fixture(scope="module")
def sdk_result(django_db_setup, django_db_blocker, live_server):
    with django_db_blocker.unblock():
        world = core_world(marketplace_id="mkt-sdk-breaks", client_id="breaks-admin-client", admin_username="breaks-admin")
        try:
            config = {
                "baseApiUrl": f"{live_server.url}/core/{world.environment}",
                "clientID": world.client_id,
                "username": world.admin_username,
                "password": world.password,
            }
            yield run_node_script("price_breaks.js", config)
        finally:
            world.marketplace.delete()  # CASCADE: leave the shared test database as we found it


def test_save_and_delete_price_breaks_through_the_sdk(sdk_result):
    check = sdk_result["checks"].get("price_breaks")
    assert check and check["ok"], sdk_result["checks"]
    assert check["addedID"] == "sdk-ps"
    assert check["added"] == [[1, 10, None], [10, 8, None]]
    assert check["replaced"] == [[1, 9.5, 9], [10, 8, None]]
    assert check["deleted"] in (None, "") and check["after"] == [[1, 9.5, 9]]
    # the SDK words a NotFound itself, from Data's ObjectType and ObjectID
    assert check["missing"] == {"errorCode": "NotFound", "status": 404, "message": "PriceBreak 10 not found"}
