"""Demo rows for `manage.py demo_data`: fill the demo organization's marketplace through its own
core API (in-process, the console's transport), so the API console has something to show.

Idempotent: nothing is sent when the marketplace already has products.
"""

import json

from console.client import core_request, is_builtin
from organizations import services as org_services
from organizations.demo import DEMO_ORG_ID
from organizations.models import Environment, Organization

DEMO_BUYER_USERNAME = "shopper"
DEMO_BUYER_PASSWORD = "Shopper-pass-123!"

PRODUCTS = [
    ("red-shirt", "Red shirt", 19.0), ("blue-shirt", "Blue shirt", 19.0), ("green-shirt", "Green shirt", 21.5),
    ("black-hoodie", "Black hoodie", 49.0), ("grey-hoodie", "Grey hoodie", 49.0), ("canvas-tote", "Canvas tote", 12.0),
    ("travel-mug", "Travel mug", 15.0), ("sticker-pack", "Sticker pack", 4.5), ("wool-beanie", "Wool beanie", 24.0),
    ("rain-jacket", "Rain jacket", 89.0), ("running-socks", "Running socks", 9.0), ("water-bottle", "Water bottle", 18.0),
]

VARIANT_PRODUCTS = ("black-hoodie", "grey-hoodie")  # in sizes S, M, L (generated variants)


def _send(org: Organization, token: str, method: str, path: str, body: dict | None = None) -> dict:
    response = core_request(
        method=method,
        url=f"{org.core_api_url}{path}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=json.dumps(body) if body is not None else None,
    )
    if response.status >= 400:
        raise RuntimeError(f"demo data: {method} {path} answered {response.status}: {response.json()}")
    return response.json() if response.content else {}


def demo_data(*, stdout, demo_user) -> None:
    org = Organization.objects.filter(environment=Environment.SANDBOX, oc_id__iexact=DEMO_ORG_ID).first()
    if org is None or org.owner_id != demo_user.pk:
        return
    if not is_builtin(org.core_api_url):
        # a remote environment (PORTAL_CORE_API_URLS): its marketplace is the operator's to fill
        stdout.write(f"{org.oc_id} is on the remote core API {org.core_api_url}: no demo products are added there.")
        return
    token = org_services.organization_token(actor=demo_user, organization=org)["access_token"]
    if _send(org, token, "GET", "/v1/products?pageSize=1")["Meta"]["TotalCount"]:
        stdout.write("The demo marketplace already has products.")
        return
    _send(org, token, "POST", "/v1/apiclients", {"AppName": "Demo admin app", "Active": True, "AllowSeller": True,
                                                 "AccessTokenDuration": 600})
    _send(org, token, "POST", "/v1/buyers", {"ID": "demo-buyer", "Name": "Demo buyer", "Active": True})
    storefront = _send(org, token, "POST", "/v1/apiclients", {"AppName": "Demo storefront", "Active": True,
                                                              "AccessTokenDuration": 600})
    _send(org, token, "POST", "/v1/apiclients/assignments", {"ApiClientID": storefront["ID"], "BuyerID": "demo-buyer"})
    _send(org, token, "POST", "/v1/securityprofiles", {"ID": "demo-shopper", "Name": "Shopper",
                                                        "Roles": ["Shopper", "MeAdmin"]})
    _send(org, token, "POST", "/v1/securityprofiles/assignments", {"SecurityProfileID": "demo-shopper", "BuyerID": "demo-buyer"})
    _send(org, token, "POST", "/v1/buyers/demo-buyer/users", {
        "ID": "demo-shopper-user", "Username": DEMO_BUYER_USERNAME, "Password": DEMO_BUYER_PASSWORD,
        "FirstName": "Sam", "LastName": "Shopper", "Email": "shopper@example.com", "Active": True})
    _send(org, token, "POST", "/v1/catalogs", {"ID": "demo-catalog", "Name": "Demo catalog", "Active": True})
    _send(org, token, "POST", "/v1/catalogs/assignments", {"CatalogID": "demo-catalog", "BuyerID": "demo-buyer"})
    for product_id, name, price in PRODUCTS:
        _send(org, token, "POST", "/v1/priceschedules", {
            "ID": f"{product_id}-price", "Name": f"{name} price", "Currency": "USD",
            "PriceBreaks": [{"Quantity": 1, "Price": price}]})
        _send(org, token, "POST", "/v1/products", {
            "ID": product_id, "Name": name, "Active": True, "DefaultPriceScheduleID": f"{product_id}-price",
            "xp": {"Color": name.split()[0].lower()}})
        _send(org, token, "POST", "/v1/catalogs/productassignments", {"CatalogID": "demo-catalog", "ProductID": product_id})
    # the hoodies come in sizes: a variant spec and its generated variants
    _send(org, token, "POST", "/v1/specs", {"ID": "size", "Name": "Size", "DefinesVariant": True, "Required": True})
    for order, (option_id, value) in enumerate((("S", "Small"), ("M", "Medium"), ("L", "Large"))):
        _send(org, token, "POST", "/v1/specs/size/options", {"ID": option_id, "Value": value, "ListOrder": order})
    for product_id in VARIANT_PRODUCTS:
        _send(org, token, "POST", "/v1/specs/productassignments", {"SpecID": "size", "ProductID": product_id})
        _send(org, token, "POST", f"/v1/products/{product_id}/variants/generate", {})
    stdout.write(f"Filled {org.oc_id} with {len(PRODUCTS)} products, a buyer and its user "
                 f"{DEMO_BUYER_USERNAME} / {DEMO_BUYER_PASSWORD} (API client {storefront['ID']}), and two API clients.")
