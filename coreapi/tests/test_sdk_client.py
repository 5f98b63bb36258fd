"""The official ordercloud-javascript-sdk@12 as a real client of the built-in core API.

tests/sdk/core_sdk_client.js runs under Node against the live server (baseApiUrl =
<live_server>/core/sandbox); each of its checks is one SDK call sequence that must work exactly as
it does against OrderCloud. Needs node + npm; the SDK is installed once into .cache/npm-sdk.
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from coreapi.testing import core_buyer, core_world
from tests.sdk.harness import failed_checks, run_node_script

EXPECTED_CHECKS = {
    "auth_login",
    "auth_refresh_token",
    "me_get",
    "products_create",
    "products_list_filter_sort_page",
    "products_list_xp_and_operators",
    "products_patch",
    "products_delete",
    "api_clients_crud",
    "auth_client_credentials",
    "api_client_secrets",
    "api_clients_delete",
    "users_get_access_token_impersonation",
    "users_move",
    "product_variants",
    "category_assignments",
    "products_list_by_catalog_category_supplier",
    "category_tree_and_me_lists",
    "category_adjust_list_orders",
    "bundles",
    "message_sender_assignments_and_buyer_users",
    "webhook_prehook_blocks",
    "error_invalid_credentials",
    "error_invalid_grant",
    "error_not_found",
}


class RefusingPrehook(BaseHTTPRequestHandler):
    """A pre-hook receiver that refuses every write."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = json.dumps({"proceed": False, "body": {"Reason": "no new buyers today"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def prehook_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingPrehook)
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/prehook"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def sdk_result(django_db_setup, django_db_blocker, live_server, prehook_url):
    """Run the script once for the module; each test below asserts a group of its checks."""
    with django_db_blocker.unblock():
        world = core_world(marketplace_id="mkt-sdk", client_id="sdk-admin-client", admin_username="sdk-admin")
        shopper = core_buyer(world, buyer_id="sdk-buyer", user_id="sdk-shopper", username="sdk-shopper", client_id="sdk-buyer-client")
        try:
            config = {
                "baseApiUrl": f"{live_server.url}/core/{world.environment}",
                "adminClientID": world.client_id,
                "adminUsername": world.admin_username,
                "adminPassword": world.password,
                "buyerID": shopper.company_id,
                "buyerUserID": shopper.oc_id,
                "buyerUsername": shopper.username,
                "buyerClientID": "sdk-buyer-client",
                "prefix": "sdk",
                "prehookUrl": prehook_url,
            }
            yield run_node_script("core_sdk_client.js", config)
        finally:
            world.marketplace.delete()  # CASCADE: leave the shared test database as we found it


def assert_checks(result: dict, *names: str) -> None:
    missing = [n for n in names if n not in result["checks"]]
    assert not missing, f"the script did not run {missing}: {result['checks'].get('_script')}"
    failed = {n: c for n, c in failed_checks(result).items() if n in names}
    assert not failed, failed


def test_script_ran_every_check(sdk_result):
    assert set(sdk_result["checks"]) == EXPECTED_CHECKS, sdk_result["checks"].get("_script")


def test_password_refresh_and_client_credentials_grants(sdk_result):
    assert_checks(sdk_result, "auth_login", "auth_refresh_token", "auth_client_credentials")


def test_me_get(sdk_result):
    assert_checks(sdk_result, "me_get")


def test_products_crud_with_filters_sort_and_paging(sdk_result):
    assert_checks(
        sdk_result,
        "products_create",
        "products_list_filter_sort_page",
        "products_list_xp_and_operators",
        "products_patch",
        "products_delete",
    )


def test_api_clients_crud(sdk_result):
    assert_checks(sdk_result, "api_clients_crud", "api_clients_delete")


def test_api_client_secrets_rotate_without_downtime(sdk_result):
    assert_checks(sdk_result, "api_client_secrets")


def test_impersonation_token_for_a_buyer_user(sdk_result):
    assert_checks(sdk_result, "users_get_access_token_impersonation")


def test_users_move_to_another_buyer(sdk_result):
    assert_checks(sdk_result, "users_move")


def test_product_variants(sdk_result):
    assert_checks(sdk_result, "product_variants")


def test_category_assignments(sdk_result):
    assert_checks(sdk_result, "category_assignments")


def test_a_pre_hook_that_refuses_surfaces_as_blocked_by_web_hook(sdk_result):
    assert_checks(sdk_result, "webhook_prehook_blocks")


def test_products_list_by_catalog_category_and_supplier_and_product_suppliers(sdk_result):
    assert_checks(sdk_result, "products_list_by_catalog_category_supplier")


def test_category_tree_depth_delete_and_me_lists_by_product_and_seller(sdk_result):
    assert_checks(sdk_result, "category_tree_and_me_lists")


def test_category_adjust_list_orders_through_the_sdk(sdk_result):
    assert_checks(sdk_result, "category_adjust_list_orders")


def test_bundles_and_their_assignments(sdk_result):
    assert_checks(sdk_result, "bundles")


def test_message_sender_assignments_and_users_across_buyers(sdk_result):
    assert_checks(sdk_result, "message_sender_assignments_and_buyer_users")


def test_errors_surface_as_ordercloud_error_codes(sdk_result):
    assert_checks(sdk_result, "error_invalid_credentials", "error_invalid_grant", "error_not_found")
