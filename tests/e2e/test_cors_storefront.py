"""A storefront on another origin uses the APIs from a real browser (portal.common.cors): its page
(served by Playwright as https://storefront.test/, an origin other than the live server's) signs a
buyer in on the built-in core API, reads /v1/me with the Bearer token, PATCHes it (a preflighted
call), reads an error's JSON, and signs in on the Portal API; a cross-origin fetch of a web page,
or of an API with the browser's cookies, is refused by the browser."""

import pytest
from django.contrib.auth.hashers import make_password

from coreapi import models as core_models
from coreapi.testing import core_buyer, core_world
from tests.e2e.test_console import sign_in
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STOREFRONT = "https://storefront.test"
PASSWORD = "Cors-test-Passw0rd!"  # 10+ characters and 3 of 4 character classes

STOREFRONT_PAGE = "<!doctype html><html lang=en><title>Storefront</title><h1>Storefront</h1></html>"

# What an app built on ordercloud-javascript-sdk does (Auth.Login, Me.Get, Me.Patch), with fetch.
STOREFRONT_SCRIPT = """
async ({base, env, clientId, username, password, portalUser, portalPassword}) => {
  const out = {origin: location.origin};
  const core = `${base}/core/${env}`;
  const form = (fields) => ({
    method: 'POST', body: new URLSearchParams(fields),
    headers: {'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json'},
  });

  const tokenResponse = await fetch(`${core}/oauth/token`, form({
    grant_type: 'password', client_id: clientId, username, password, scope: 'Shopper MeAdmin'}));
  out.tokenStatus = tokenResponse.status;
  const token = (await tokenResponse.json()).access_token;
  const auth = {Authorization: `Bearer ${token}`, Accept: 'application/json'};

  const me = await fetch(`${core}/v1/me`, {headers: auth});
  out.meStatus = me.status;
  out.me = await me.json();
  out.meLogId = me.headers.get('X-oc-logid');

  const patched = await fetch(`${core}/v1/me`, {
    method: 'PATCH', headers: {...auth, 'Content-Type': 'application/json'},
    body: JSON.stringify({FirstName: 'Storefront'}),
  });
  out.patchStatus = patched.status;
  out.patched = await patched.json();

  const anonymous = await fetch(`${core}/v1/me`, {headers: {Authorization: 'Bearer ', Accept: 'application/json'}});
  out.anonymousStatus = anonymous.status;
  out.anonymousError = (await anonymous.json()).Errors[0].ErrorCode;
  out.anonymousLogId = anonymous.headers.get('X-oc-logid');

  const portalToken = await fetch(`${base}/api/v1/oauth/token`, form({
    grant_type: 'password', username: portalUser, password: portalPassword}));
  out.portalTokenStatus = portalToken.status;
  const portalMe = await fetch(`${base}/api/v1/me`, {
    headers: {Authorization: `Bearer ${(await portalToken.json()).access_token}`, 'Content-Type': 'application/json'}});
  out.portalMeStatus = portalMe.status;
  out.portalMe = await portalMe.json();

  const refused = async (url, init) => {
    try { await fetch(url, init); return 'read'; } catch (error) { return error.name; }
  };
  out.dashboard = await refused(`${base}/dashboard/`, {});
  out.dashboardWithCookies = await refused(`${base}/dashboard/`, {credentials: 'include'});
  out.apiWithCookies = await refused(`${core}/v1/me`, {headers: auth, credentials: 'include'});
  return out;
}
"""


def test_a_storefront_on_another_origin_signs_in_and_calls_the_apis(page, live_server):
    world = core_world()
    buyer = core_buyer(world, username="shopper")
    core_models.CoreUser.objects.filter(pk=buyer.pk).update(password=make_password(PASSWORD))
    UserFactory(username="hamlet", email="hamlet@example.com")

    page.route(f"{STOREFRONT}/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                               body=STOREFRONT_PAGE))  # fmt: skip
    sign_in(page, live_server.url, "hamlet")  # the same browser is signed in to the portal's pages
    # The live server is on localhost: Chromium lets a public page call a loopback address only
    # from a secure context (hence https) and with the user's "local network access" permission,
    # which a deployed portal (a public address) does not need.
    page.context.grant_permissions(["local-network-access"], origin=STOREFRONT)
    page.goto(f"{STOREFRONT}/")
    out = page.evaluate(
        STOREFRONT_SCRIPT,
        {"base": live_server.url, "env": world.environment, "clientId": "buyer-client", "username": "shopper",
         "password": PASSWORD, "portalUser": "hamlet", "portalPassword": DEFAULT_PASSWORD},
    )  # fmt: skip

    assert out["origin"] == STOREFRONT and not live_server.url.startswith(STOREFRONT)
    assert out["tokenStatus"] == 200
    assert (out["meStatus"], out["me"]["Username"], out["me"]["ID"]) == (200, "shopper", buyer.oc_id)
    assert out["meLogId"]  # an exposed header: readable by the page
    assert (out["patchStatus"], out["patched"]["FirstName"]) == (200, "Storefront")
    buyer.refresh_from_db()
    assert buyer.first_name == "Storefront"
    assert (out["anonymousStatus"], out["anonymousError"]) == (401, "InvalidToken")
    assert out["anonymousLogId"]
    assert (out["portalTokenStatus"], out["portalMeStatus"], out["portalMe"]["Username"]) == (200, 200, "hamlet")
    # A web page is not readable from another origin, signed in or not; and the APIs' "*" is no
    # use to a page that sends the browser's cookies along (the browser refuses the answer).
    assert out["dashboard"] == "TypeError"
    assert out["dashboardWithCookies"] == "TypeError"
    assert out["apiWithCookies"] == "TypeError"
