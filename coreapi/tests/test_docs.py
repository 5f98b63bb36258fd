import pytest


@pytest.mark.parametrize("environment", ["sandbox", "staging", "production"])
def test_each_environment_serves_its_docs_page_and_openapi_document(client, environment):
    docs = client.get(f"/core/{environment}/v1/docs")
    assert docs.status_code == 200
    assert f"/core/{environment}/v1/openapi.json" in docs.content.decode()

    document = client.get(f"/core/{environment}/v1/openapi.json").json()
    assert document["servers"][0]["url"].endswith(f"/core/{environment}")
    products = document["paths"]["/v1/products"]
    # Error responses are documented once for every operation (see CoreNinjaAPI.get_openapi_schema).
    assert {"200", "400", "401", "403", "404"} <= set(products["get"]["responses"])
    assert "409" in products["post"]["responses"]
    assert document["components"]["schemas"]["ErrorBody"]["properties"]["Errors"]
    # the bounds every list enforces are in the document
    paging = {p["name"]: p["schema"] for p in products["get"]["parameters"] if p["name"] in ("page", "pageSize")}
    integer = {name: next(o for o in schema.get("anyOf", [schema]) if o.get("type") == "integer")
               for name, schema in paging.items()}  # fmt: skip
    assert integer["page"]["minimum"] == 1 and (integer["pageSize"]["minimum"], integer["pageSize"]["maximum"]) == (1, 100)
    search_type = next(p["schema"] for p in products["get"]["parameters"] if p["name"] == "searchType")
    assert next(o for o in search_type.get("anyOf", [search_type]) if o.get("type") == "string")["enum"] == [
        "AnyTerm", "AllTermsAnyField", "AllTermsSameField", "ExactPhrase", "ExactPhrasePrefix"]  # fmt: skip
    # what the API sets itself is readOnly (one schema serves request and response bodies)
    product = document["components"]["schemas"]["Product"]["properties"]
    assert {n for n, p in product.items() if p.get("readOnly")} == {"IsBundle", "SpecCount", "VariantCount", "DateCreated"}
    # what a create or replace needs is required there, not in PATCH (one schema serves all three)
    body = lambda path, method: document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]  # noqa: E731
    assert body("/v1/buyers", "post")["required"] == ["Name"]
    assert body("/v1/buyers/{buyerID}", "put")["required"] == ["Name"]
    assert body("/v1/buyers", "post")["allOf"] == [body("/v1/buyers/{buyerID}", "patch")]
    assert "required" not in body("/v1/buyers/{buyerID}", "patch")
    assert body("/v1/buyers/{buyerID}/users", "post")["required"] == ["Username", "FirstName", "LastName", "Email", "Active"]
    assert body("/v1/products/assignments", "post")["required"] == ["ProductID", "BuyerID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, path, data, content_type",
    [
        ("get", "/core/sandbox/v1/products?search=a%00b", None, None),
        ("get", "/core/sandbox/v1/products/a%00b", None, None),
        ("post", "/core/sandbox/v1/products", '{"ID": "a\\u0000b", "Name": "x"}', "application/json"),
        ("post", "/core/sandbox/oauth/token", "grant_type=client_credentials&client_id=%00", "application/x-www-form-urlencoded"),
    ],
)
def test_nul_characters_anywhere_are_a_400_not_a_500(client, method, path, data, content_type):
    kwargs = {"data": data, "content_type": content_type} if data is not None else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    body = response.json()
    assert body["Errors"][0] == {"ErrorCode": "InvalidRequest", "Message": "Input may not contain NUL characters.", "Data": None}
    assert response["X-oc-logid"]
    if path.endswith("oauth/token"):
        assert body["error"] == "InvalidRequest"
