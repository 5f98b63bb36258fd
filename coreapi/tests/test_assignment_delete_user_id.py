"""DeleteAssignment of product, bundle, category and message sender assignments takes the SDK's
`userID` (Products.DeleteAssignment, Bundles.DeleteAssignment, Categories.DeleteAssignment,
MessageSenders.DeleteAssignment document it). Those assignments are to a buyer or a user group,
never to a user: a userID names none, so nothing is deleted (204). It was ignored, and
`?userID=u` deleted the buyer's own assignment, which every user of the buyer relied on."""

import pytest

pytestmark = pytest.mark.django_db

BUYER_LEVEL = {
    "products": ("/v1/products/assignments", {"ProductID": "p", "BuyerID": "buyer-1"},
                 "/v1/products/p/assignments/buyer-1", "/v1/products/assignments?productID=p"),
    "bundles": ("/v1/bundles/assignments", {"BundleID": "b", "BuyerID": "buyer-1"},
                "/v1/bundles/b/assignments/buyer-1", "/v1/bundles/assignments?bundleID=b"),
    "categories": ("/v1/catalogs/c/categories/assignments", {"CategoryID": "k", "BuyerID": "buyer-1", "Visible": True},
                   "/v1/catalogs/c/categories/k/assignments?buyerID=buyer-1",
                   "/v1/catalogs/c/categories/assignments?categoryID=k"),
    "messagesenders": ("/v1/messagesenders/assignments", {"MessageSenderID": "ms", "BuyerID": "buyer-1"},
                       "/v1/messagesenders/ms/assignments?buyerID=buyer-1",
                       "/v1/messagesenders/assignments?messageSenderID=ms"),
}  # fmt: skip


@pytest.fixture
def parties(call, shopper):
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)
    call("post", "/v1/bundles", {"ID": "b", "Name": "B"}, status=201)
    call("post", "/v1/catalogs", {"ID": "c", "Name": "C"}, status=201)
    call("post", "/v1/catalogs/c/categories", {"ID": "k", "Name": "K"}, status=201)
    call("post", "/v1/messagesenders", {"ID": "ms", "Name": "Mailer", "MessageTypes": ["OrderSubmitted"], "DeliveryConfigID": "dc"}, status=201)


@pytest.mark.parametrize("kind", list(BUYER_LEVEL))
def test_a_user_id_names_no_assignment_and_deletes_nothing(call, parties, kind):
    save, body, delete, listing = BUYER_LEVEL[kind]
    call("post", save, body, status=204)
    joiner = "&" if "?" in delete else "?"
    call("delete", f"{delete}{joiner}userID=buyer-user", status=204)
    assert call("get", listing, status=200).json()["Meta"]["TotalCount"] == 1  # the buyer's assignment is still there
    call("delete", delete, status=204)  # without it, the buyer's assignment is deleted, as before
    assert call("get", listing, status=200).json()["Meta"]["TotalCount"] == 0


def test_the_openapi_document_lists_user_id_where_the_sdk_does(client, db):
    document = client.get("/core/sandbox/v1/openapi.json").json()
    operations = {op["operationId"]: op for verbs in document["paths"].values() for op in verbs.values()}
    for operation_id in ("Products.DeleteAssignment", "Bundles.DeleteAssignment", "Categories.DeleteAssignment",
                         "MessageSenders.DeleteAssignment"):  # fmt: skip
        assert "userID" in {p["name"] for p in operations[operation_id]["parameters"]}, operation_id
