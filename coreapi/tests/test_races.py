"""Two core API requests racing on the same object (PostgreSQL).

Each test sends two real HTTP requests (django.test.Client, one per thread, so one database
connection each) and holds them at a threading.Barrier placed between the check and the write
(tests/races.py), so the interleaving that breaks an unprotected check-then-write happens on every
run, not by luck."""

import json
import threading

import pytest
from django.test import Client

from coreapi import models as m
from coreapi.testing import core_world
from tests.races import needs_postgres, pause_at, run_concurrently

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def api(world, token: str):
    """`call(method, path, body)` -> (status, JSON or None), on a fresh client (safe in a thread)."""

    def call(method: str, path: str, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(Client(), method)(world.url(path), **kwargs)
        return response.status_code, (response.json() if response.content else None)

    return call


@pytest.fixture
def world():
    return core_world()


@pytest.fixture
def call(world):
    return api(world, world.admin_token())


def statuses(outcomes: dict) -> list:
    assert not any(isinstance(o, BaseException) for o in outcomes.values()), outcomes
    return sorted(status for status, _body in outcomes.values())


_ADDRESS = {"ID": "a", "Street1": "1 Main St", "City": "Springfield", "Country": "US"}


@pytest.fixture
def parties(call):
    """A buyer with a user group, a user and an address, a product, a catalog and a security profile."""
    for path, body in [
        ("/v1/buyers", {"ID": "b", "Name": "B"}),
        ("/v1/buyers/b/usergroups", {"ID": "g", "Name": "G"}),
        ("/v1/buyers/b/users", {"ID": "u", "Username": "bu", "FirstName": "F", "LastName": "L", "Email": "u@example.com",
                                "Active": True}),  # fmt: skip
        ("/v1/products", {"ID": "p", "Name": "P"}),
        ("/v1/catalogs", {"ID": "c", "Name": "C"}),
        ("/v1/securityprofiles", {"ID": "sp", "Name": "SP", "Roles": ["Shopper"]}),
        ("/v1/buyers/b/addresses", _ADDRESS),
    ]:
        assert call("post", path, body)[0] == 201, path


@pytest.fixture
def groups(call, parties):
    """An admin user group "ag", supplier "sup" with user "su" and user group "sg", and message sender "ms"."""
    for path, body in [
        ("/v1/usergroups", {"ID": "ag", "Name": "AG"}),
        ("/v1/suppliers", {"ID": "sup", "Name": "Sup"}),
        ("/v1/suppliers/sup/users", {"ID": "su", "Username": "su", "FirstName": "F", "LastName": "L",
                                     "Email": "su@example.com", "Active": True}),  # fmt: skip
        ("/v1/suppliers/sup/usergroups", {"ID": "sg", "Name": "SG"}),
        ("/v1/messagesenders", {"ID": "ms", "Name": "MS", "MessageTypes": ["OrderSubmitted"], "DeliveryConfigID": "dc"}),
    ]:
        assert call("post", path, body)[0] == 201, path


ASSIGNMENTS = [
    ("/v1/securityprofiles/assignments", {"SecurityProfileID": "sp", "BuyerID": "b"}, m.SecurityProfileAssignment),
    ("/v1/products/assignments", {"ProductID": "p", "BuyerID": "b"}, m.ProductAssignment),
    ("/v1/catalogs/assignments", {"CatalogID": "c", "BuyerID": "b"}, m.CatalogAssignment),
    ("/v1/catalogs/productassignments", {"CatalogID": "c", "ProductID": "p"}, m.ProductCatalogAssignment),
    ("/v1/buyers/b/usergroups/assignments", {"UserGroupID": "g", "UserID": "u"}, m.UserGroupAssignment),
    ("/v1/usergroups/assignments", {"UserGroupID": "ag", "UserID": "admin-user"}, m.AdminUserGroupAssignment),
    ("/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "sg", "UserID": "su"}, m.SupplierUserGroupAssignment),
    ("/v1/securityprofiles/assignments", {"SecurityProfileID": "sp", "UserGroupID": "ag"}, m.SecurityProfileAssignment),
    ("/v1/securityprofiles/assignments", {"SecurityProfileID": "sp", "SupplierID": "sup", "UserGroupID": "sg"},
     m.SecurityProfileAssignment),
    ("/v1/messagesenders/assignments", {"MessageSenderID": "ms", "UserGroupID": "ag"}, m.MessageSenderAssignment),
    ("/v1/messagesenders/assignments", {"MessageSenderID": "ms", "SupplierID": "sup", "UserGroupID": "sg"},
     m.MessageSenderAssignment),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a", "UserGroupID": "g", "IsShipping": True}, m.AddressAssignment),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a", "UserID": "u"}, m.AddressAssignment),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "model"), ASSIGNMENTS, ids=[f"{a[0]} {sorted(a[1].items())}" for a in ASSIGNMENTS])
def test_the_same_assignment_saved_twice_at_once_is_one_assignment_and_two_204s(world, call, groups, monkeypatch,
                                                                                  path, body, model):  # fmt: skip
    """A double-clicked "assign": both requests found no assignment and inserted one; the second
    insert broke the unique constraint and its client got a 500 InternalServerError for an
    assignment that exists. Saving an assignment is an upsert: both answer 204."""
    before = model.objects.count()
    pause_at(monkeypatch, f"coreapi.models.{model.__name__}.save", threading.Barrier(2), before=True)
    outcomes = run_concurrently(first=lambda: call("post", path, body), second=lambda: call("post", path, body))

    assert statuses(outcomes) == [204, 204], outcomes
    assert model.objects.count() == before + 1


def test_a_patch_while_the_object_is_deleted_does_not_bring_it_back(call, monkeypatch):
    """PATCH read the product, DELETE removed it (204), then PATCH saved its copy: the UPDATE
    matched no row, so Django INSERTed it again and the deleted product was back (200, with the
    patched name). Now PATCH locks the row it read: it is done before the DELETE, or finds nothing."""
    assert call("post", "/v1/products", {"ID": "p", "Name": "P"})[0] == 201
    barrier = threading.Barrier(2)
    # (with the lock the DELETE waits for the PATCH, which waits here alone until the timeout)
    pause_at(monkeypatch, "coreapi.resources.Resource.get_object", barrier, threads={"patch"}, timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource.delete", barrier, threads={"delete"})  # after its commit
    outcomes = run_concurrently(patch=lambda: call("patch", "/v1/products/p", {"Name": "Q"}),
                                delete=lambda: call("delete", "/v1/products/p"))  # fmt: skip

    assert outcomes["delete"][0] == 204, outcomes
    assert outcomes["patch"][0] in (200, 404), outcomes
    assert call("get", "/v1/products/p")[0] == 404
    assert not m.Product.objects.filter(oc_id="p").exists()


CREATES = [
    ("/v1/products", {"Name": "P"}),
    ("/v1/buyers", {"Name": "B"}),
    ("/v1/securityprofiles", {"Name": "SP"}),
    ("/v1/adminusers", {"Username": "new-admin", "FirstName": "F", "LastName": "L", "Email": "a@example.com", "Active": True}),
    ("/v1/apiclients", {"AppName": "App", "AccessTokenDuration": 600}),
    ("/v1/usergroups", {"Name": "AG"}),
    ("/v1/suppliers/sup/usergroups", {"Name": "SG"}),
    ("/v1/buyers/b/usergroups", {"Name": "G"}),
]


@pytest.mark.parametrize(("path", "body"), CREATES, ids=[c[0] for c in CREATES])
def test_put_of_the_same_new_id_twice_at_once_creates_it_once_and_replaces_it_once(call, groups, monkeypatch, path, body):
    """PUT is create-or-replace: one after the other, the first creates (201) and the second
    replaces (200). At once, both found no object and inserted it, and the second was a 409 IdExists
    for the very object it was asked to replace."""
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", threading.Barrier(2))
    put = lambda: call("put", f"{path}/new-id", body)  # noqa: E731
    outcomes = run_concurrently(first=put, second=put)

    assert statuses(outcomes) == [200, 201], outcomes
    status, listed = call("get", f"{path}?ID=new-id")
    assert status == 200 and listed["Meta"]["TotalCount"] == 1


GROUP_CREATES = ["/v1/usergroups", "/v1/suppliers/sup/usergroups", "/v1/buyers/b/usergroups"]


@pytest.mark.parametrize("path", GROUP_CREATES)
def test_one_new_group_id_posted_twice_at_once_is_created_once_and_the_second_is_told_it_exists(call, groups,
                                                                                               monkeypatch, path):  # fmt: skip
    """Two creates of one user group ID (admin, supplier or buyer user group) at once: both find
    the ID free; one is a 201 and the other a 409 IdExists naming it, never a 500 from the unique
    constraint, and there is one group."""
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", threading.Barrier(2))
    post = lambda: call("post", path, {"ID": "same", "Name": "Same"})  # noqa: E731
    outcomes = run_concurrently(first=post, second=post)

    assert statuses(outcomes) == [201, 409], outcomes
    [error] = next(body for status, body in outcomes.values() if status == 409)["Errors"]
    assert error["ErrorCode"] == "IdExists" and error["Data"] == {"ObjectType": "UserGroup", "ObjectID": "same"}
    status, listed = call("get", f"{path}?ID=same")
    assert status == 200 and listed["Meta"]["TotalCount"] == 1


@pytest.mark.parametrize("method", ["post", "put"])
def test_two_users_with_one_username_at_once_the_second_is_told_the_username_is_taken(call, monkeypatch, method):
    """Two admin users with different IDs and the same Username created at once: both passed the
    username check, and the second insert broke the username constraint, which was answered as if
    the ID were taken (IdExists "An object with this ID already exists.", ObjectID the new ID)."""
    body = {"Username": "same", "FirstName": "F", "LastName": "L", "Email": "a@example.com", "Active": True}
    pause_at(monkeypatch, "coreapi.models.CoreUser.full_clean", threading.Barrier(2))  # after the username check
    if method == "post":
        outcomes = run_concurrently(first=lambda: call("post", "/v1/adminusers", {"ID": "u1", **body}),
                                    second=lambda: call("post", "/v1/adminusers", {"ID": "u2", **body}))  # fmt: skip
    else:
        outcomes = run_concurrently(first=lambda: call("put", "/v1/adminusers/u1", body),
                                    second=lambda: call("put", "/v1/adminusers/u2", body))  # fmt: skip

    assert statuses(outcomes) == [201, 409], outcomes
    [error] = next(body for status, body in outcomes.values() if status == 409)["Errors"]
    assert error["ErrorCode"] == "UsernameMustBeUnique" and error["Data"] == {"Username": "same"}
    assert m.CoreUser.objects.filter(username="same").count() == 1


def test_one_api_client_id_put_in_two_marketplaces_at_once_is_created_once(call, monkeypatch):
    """API client IDs are unique across the environment (the token endpoint finds the client by ID
    alone), but the database only enforces that per marketplace. Two marketplaces PUT the same new
    client ID at once: both checks found it free and both created it, and from then on the token
    endpoint picked one of the two, so the other marketplace's users could not sign in with it."""
    other = core_world(marketplace_id="mkt-two", client_id="other-client", admin_username="other-admin")
    call_other = api(other, other.admin_token())
    body = {"AppName": "App", "AccessTokenDuration": 600}
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", threading.Barrier(2))
    outcomes = run_concurrently(first=lambda: call("put", "/v1/apiclients/SAME-ID", body),
                                second=lambda: call_other("put", "/v1/apiclients/SAME-ID", body))  # fmt: skip

    assert statuses(outcomes) == [201, 409], outcomes
    [error] = next(body for status, body in outcomes.values() if status == 409)["Errors"]
    assert error["ErrorCode"] == "IdExists"
    assert m.ApiClient.objects.filter(marketplace__environment="sandbox", oc_id="SAME-ID").count() == 1


def test_a_put_that_found_no_object_and_then_finds_its_id_taken_replaces_it(call, monkeypatch):
    """The other window of two PUTs of one new ID: the second looked the object up before the first
    inserted it (none), and checked the ID after the first committed (taken): a 409 IdExists for
    the object it was asked to replace, under load even without a pause."""
    # Both meet before their ID checks (the second's lookup is done: no object); then the second
    # waits there until the first has committed. (The pause patched last is called first.)
    committed = threading.Barrier(2)
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", committed, before=True, threads={"second"}, timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", threading.Barrier(2), before=True, timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource.save", committed, threads={"first"}, timeout=5)
    put = lambda: call("put", "/v1/products/new-id", {"Name": "P"})  # noqa: E731
    outcomes = run_concurrently(first=put, second=put)

    assert statuses(outcomes) == [200, 201], outcomes
    assert m.Product.objects.filter(oc_id="new-id").count() == 1


def test_a_put_run_twice_on_a_conflict_calls_its_pre_hook_and_fires_its_webhook_once(world, call, monkeypatch):
    """The retry on a conflict runs a PUT's write a second time: its pre-hooks and webhooks are
    outside the retried write (in the view), so each request asks the pre-hook once and delivers
    its webhook once, with what was saved (the replace), not one per run."""
    from coreapi.resources import Resource
    from coreapi.tests.test_webhooks import PROCEED, Receiver, prehook_create, webhook_create

    route = [{"Route": "v1/products/{productID}", "Verb": "PUT"}]
    runs = []
    real_save = Resource._save
    monkeypatch.setattr(Resource, "_save", lambda self, *a, **kw: runs.append(1) or real_save(self, *a, **kw))
    # both insert (test_put_of_the_same_new_id_twice_at_once...): the second breaks the unique
    # constraint after its whole write ran, and runs it again
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", threading.Barrier(2))
    with Receiver() as receiver:
        receiver.answers = [PROCEED]
        prehook_create(world, receiver.url, routes=route)
        webhook_create(world, receiver.url, routes=route)
        put = lambda: call("put", "/v1/products/new-id", {"Name": "P"})  # noqa: E731
        outcomes = run_concurrently(first=put, second=put)

    assert statuses(outcomes) == [200, 201], outcomes
    assert len(runs) == 3  # the second request's write ran twice (its first run rolled back)
    prehooks = [c for c in receiver.calls if c["body"]["Response"]["Body"] is None]
    deliveries = [c for c in receiver.calls if c["body"]["Response"]["Body"] is not None]
    assert len(prehooks) == 2 and len(deliveries) == 2, receiver.calls
    assert all(d["body"]["Response"]["Body"]["ID"] == "new-id" for d in deliveries)
    assert m.WebhookDelivery.objects.filter(webhook_oc_id="product-sync").count() == 2


@pytest.mark.parametrize("method", ["put", "patch"])
def test_two_api_clients_swapping_ids_at_once_neither_deadlocks_nor_changes_an_id(call, monkeypatch, method):
    """A PUT of an API client takes the environment-wide lock on its ID (_lock_id_in_environment);
    had it taken the lock on a new ID from the body too, two requests swapping two clients' IDs
    (a -> b, b -> a) would each hold one lock and wait for the other's: a deadlock. An API
    client's ID is read-only (the SDK's ApiClient.ID): the ID in the body is ignored, each request
    holds one lock and both are answered 200, each client keeps its ID."""
    for client_id in ("a", "b"):
        assert call("put", f"/v1/apiclients/{client_id}", {"AppName": client_id, "AccessTokenDuration": 600})[0] == 201
    # both hold what they lock first (PUT: the advisory lock on the ID, PATCH: the row) at once
    target = "coreapi.resources._lock_id_in_environment" if method == "put" else "coreapi.resources.Resource.get_object"
    pause_at(monkeypatch, target, threading.Barrier(2), timeout=5)
    body = lambda new_id: {"ID": new_id, "AppName": f"now {new_id}", "AccessTokenDuration": 600}  # noqa: E731
    outcomes = run_concurrently(a=lambda: call(method, "/v1/apiclients/a", body("b")),
                                b=lambda: call(method, "/v1/apiclients/b", body("a")))  # fmt: skip

    assert statuses(outcomes) == [200, 200], outcomes
    assert outcomes["a"][1]["ID"] == "a" and outcomes["b"][1]["ID"] == "b"
    names = dict(m.ApiClient.objects.filter(oc_id__in=["a", "b"]).values_list("oc_id", "app_name"))
    assert names == {"a": "now b", "b": "now a"}


@pytest.mark.parametrize("path", ["/v1/adminusers/new-id", "/v1/buyers/b/users/new-id", "/v1/suppliers/sup/users/new-id"])
def test_a_put_of_a_new_user_whose_twin_commits_before_its_username_check_replaces_it(call, parties, monkeypatch, path):
    """The window of two PUTs of one new user after the ID check: the second found no user and the
    ID free, the first committed, then the second's username check found the username taken by
    the very user it was asked to replace: a 409 UsernameMustBeUnique (seen under load as a flaky
    test_put_of_the_same_new_id_twice_at_once...[/v1/adminusers]). It replaces it (200)."""
    assert call("put", "/v1/suppliers/sup", {"Name": "Sup"})[0] == 201
    body = {"Username": "new-user", "FirstName": "F", "LastName": "L", "Email": "a@example.com", "Active": True}
    # Both meet after their ID checks (neither committed); then the second waits before applying
    # the body (so before its username check) until the first has committed.
    committed = threading.Barrier(2)
    pause_at(monkeypatch, "coreapi.resources.Resource._apply", committed, before=True, threads={"second"}, timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", threading.Barrier(2), timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource.save", committed, threads={"first"}, timeout=5)
    put = lambda: call("put", path, body)  # noqa: E731
    outcomes = run_concurrently(first=put, second=put)

    assert statuses(outcomes) == [200, 201], outcomes
    assert m.CoreUser.objects.filter(username="new-user").count() == 1


# (assignment path, body, model, the request that removes what it points to)
ASSIGNED_WHILE_GONE = [
    ("/v1/securityprofiles/assignments", {"SecurityProfileID": "sp", "BuyerID": "b"}, m.SecurityProfileAssignment,
     ("delete", "/v1/securityprofiles/sp", None)),
    ("/v1/securityprofiles/assignments", {"SecurityProfileID": "sp", "BuyerID": "b"}, m.SecurityProfileAssignment,
     ("delete", "/v1/buyers/b", None)),
    ("/v1/products/assignments", {"ProductID": "p", "BuyerID": "b"}, m.ProductAssignment,
     ("delete", "/v1/products/p", None)),
    ("/v1/products/assignments", {"ProductID": "p", "BuyerID": "b", "UserGroupID": "g"}, m.ProductAssignment,
     ("delete", "/v1/buyers/b/usergroups/g", None)),
    ("/v1/catalogs/assignments", {"CatalogID": "c", "BuyerID": "b"}, m.CatalogAssignment,
     ("delete", "/v1/catalogs/c", None)),
    ("/v1/catalogs/productassignments", {"CatalogID": "c", "ProductID": "p"}, m.ProductCatalogAssignment,
     ("delete", "/v1/products/p", None)),
    ("/v1/buyers/b/usergroups/assignments", {"UserGroupID": "g", "UserID": "u"}, m.UserGroupAssignment,
     ("delete", "/v1/buyers/b/usergroups/g", None)),
    ("/v1/specs/productassignments", {"SpecID": "s", "ProductID": "p"}, m.SpecProductAssignment,
     ("delete", "/v1/specs/s", None)),
    ("/v1/usergroups/assignments", {"UserGroupID": "ag", "UserID": "admin-user"}, m.AdminUserGroupAssignment,
     ("delete", "/v1/usergroups/ag", None)),
    ("/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "sg", "UserID": "su"}, m.SupplierUserGroupAssignment,
     ("delete", "/v1/suppliers/sup/usergroups/sg", None)),
    ("/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "sg", "UserID": "su"}, m.SupplierUserGroupAssignment,
     ("delete", "/v1/suppliers/sup", None)),
    ("/v1/securityprofiles/assignments", {"SecurityProfileID": "sp", "UserGroupID": "ag"}, m.SecurityProfileAssignment,
     ("delete", "/v1/usergroups/ag", None)),
    ("/v1/messagesenders/assignments", {"MessageSenderID": "ms", "SupplierID": "sup", "UserGroupID": "sg"},
     m.MessageSenderAssignment, ("delete", "/v1/suppliers/sup/usergroups/sg", None)),
    # a new ID is the old one gone too: the assignment must follow it, not keep the old one
    ("/v1/products/assignments", {"ProductID": "p", "BuyerID": "b"}, m.ProductAssignment,
     ("patch", "/v1/products/p", {"ID": "p2"})),
    ("/v1/usergroups/assignments", {"UserGroupID": "ag", "UserID": "admin-user"}, m.AdminUserGroupAssignment,
     ("patch", "/v1/usergroups/ag", {"ID": "ag2"})),
    ("/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "sg", "UserID": "su"}, m.SupplierUserGroupAssignment,
     ("patch", "/v1/suppliers/sup/usergroups/sg", {"ID": "sg2"})),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a"}, m.AddressAssignment, ("delete", "/v1/buyers/b/addresses/a", None)),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a"}, m.AddressAssignment, ("delete", "/v1/buyers/b", None)),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a", "UserGroupID": "g"}, m.AddressAssignment,
     ("delete", "/v1/buyers/b/usergroups/g", None)),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a", "UserID": "u"}, m.AddressAssignment,
     ("delete", "/v1/buyers/b/users/u", None)),
    ("/v1/buyers/b/addresses/assignments", {"AddressID": "a"}, m.AddressAssignment,
     ("patch", "/v1/buyers/b/addresses/a", {"ID": "a2"})),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "model", "removal"), ASSIGNED_WHILE_GONE,
                         ids=[f"{a[0]} {a[3][0]} {a[3][1]}" for a in ASSIGNED_WHILE_GONE])  # fmt: skip
def test_an_assignment_saved_while_what_it_names_is_deleted_is_not_left_behind(call, groups, monkeypatch,
                                                                                path, body, model, removal):  # fmt: skip
    """The assignment checked that the product (buyer, group, profile, catalog, spec) exists; the
    DELETE committed, removing it and its assignments; then the assignment was inserted: a 204, and
    an assignment of a deleted object that no list of that object shows, and that a new object
    created with the ID later inherits. Now the check locks what it found until the save commits:
    the DELETE waits and takes the assignment with it (204), or was first (404 NotFound)."""
    assert call("post", "/v1/specs", {"ID": "s", "Name": "S"})[0] == 201
    method, removal_path, removal_body = removal
    barrier = threading.Barrier(2)
    # the assignment waits after its checks, before its insert; the removal after its commit
    # (with the lock the removal waits for the assignment, which waits here alone until the timeout)
    pause_at(monkeypatch, f"coreapi.models.{model.__name__}.save", barrier, before=True, threads={"assign"}, timeout=5)
    removal_op = "patch" if method == "patch" else "delete"
    pause_at(monkeypatch, f"coreapi.resources.Resource.{removal_op}", barrier, threads={"remove"})
    outcomes = run_concurrently(assign=lambda: call("post", path, body),
                                remove=lambda: call(method, removal_path, removal_body))  # fmt: skip

    assert outcomes["remove"][0] in (200, 204), outcomes
    assert outcomes["assign"][0] in (204, 404), outcomes
    if outcomes["assign"][0] == 404:
        assert outcomes["assign"][1]["Errors"][0]["ErrorCode"] == "NotFound", outcomes
    refs = {"product_id": m.Product, "buyer_id": m.Buyer, "catalog_id": m.Catalog, "spec_id": m.Spec,
            "security_profile_id": m.SecurityProfile, "user_id": m.CoreUser, "supplier_id": m.Supplier,
            "message_sender_id": m.MessageSender, "address_id": m.Address}  # fmt: skip
    for row in model.objects.all():  # every assignment names objects that exist
        for column, ref_model in refs.items():
            value = getattr(row, column, "")
            assert not value or ref_model.objects.filter(oc_id=value).exists(), f"{model.__name__}.{column}={value}"
        if group := getattr(row, "user_group_id", ""):  # a buyer's, a supplier's or an admin user group
            if getattr(row, "buyer_id", "") or model is m.UserGroupAssignment:
                groups_of_party = m.UserGroup.objects.all()
            elif getattr(row, "supplier_id", ""):
                groups_of_party = m.SupplierUserGroup.objects.filter(supplier_id=row.supplier_id)
            else:
                groups_of_party = m.AdminUserGroup.objects.all()
            assert groups_of_party.filter(oc_id=group).exists(), f"{model.__name__}.user_group_id={group}"


_USER = {"FirstName": "F", "LastName": "L", "Email": "n@example.com", "Active": True}
# (method, child path, body, child model, its parent column, the parent's model, the request that
# removes the parent); the child kinds whose parent check came before the insert
CREATED_WHILE_PARENT_GOES = [
    ("post", "/v1/buyers/b/users", {"ID": "u2", "Username": "new-u", **_USER}, m.CoreUser, "company_id", m.Buyer,
     ("delete", "/v1/buyers/b", None)),
    ("put", "/v1/buyers/b/users/u2", {"Username": "new-u", **_USER}, m.CoreUser, "company_id", m.Buyer,
     ("delete", "/v1/buyers/b", None)),
    ("post", "/v1/buyers/b/usergroups", {"ID": "g2", "Name": "G2"}, m.UserGroup, "buyer_id", m.Buyer,
     ("delete", "/v1/buyers/b", None)),
    ("put", "/v1/buyers/b/usergroups/g2", {"Name": "G2"}, m.UserGroup, "buyer_id", m.Buyer,
     ("delete", "/v1/buyers/b", None)),
    ("post", "/v1/suppliers/sup/users", {"ID": "su", "Username": "new-su", **_USER}, m.CoreUser, "company_id",
     m.Supplier, ("delete", "/v1/suppliers/sup", None)),
    ("post", "/v1/suppliers/sup/usergroups", {"ID": "sg2", "Name": "SG2"}, m.SupplierUserGroup, "supplier_id",
     m.Supplier, ("delete", "/v1/suppliers/sup", None)),
    ("put", "/v1/suppliers/sup/usergroups/sg2", {"Name": "SG2"}, m.SupplierUserGroup, "supplier_id",
     m.Supplier, ("delete", "/v1/suppliers/sup", None)),
    ("post", "/v1/suppliers/sup/usergroups", {"ID": "sg2", "Name": "SG2"}, m.SupplierUserGroup, "supplier_id",
     m.Supplier, ("patch", "/v1/suppliers/sup", {"ID": "sup2"})),
    ("post", "/v1/catalogs/c/categories", {"ID": "cat", "Name": "Cat"}, m.Category, "catalog_id", m.Catalog,
     ("delete", "/v1/catalogs/c", None)),
    ("put", "/v1/catalogs/c/categories/cat", {"Name": "Cat"}, m.Category, "catalog_id", m.Catalog,
     ("delete", "/v1/catalogs/c", None)),
    ("post", "/v1/specs/s/options", {"ID": "o", "Value": "V"}, m.SpecOption, "spec_id", m.Spec,
     ("delete", "/v1/specs/s", None)),
    ("put", "/v1/specs/s/options/o", {"Value": "V"}, m.SpecOption, "spec_id", m.Spec,
     ("delete", "/v1/specs/s", None)),
    ("post", "/v1/apiclients/ac/secrets", {"Name": "S"}, m.ApiClientSecret, "api_client_id", m.ApiClient,
     ("delete", "/v1/apiclients/ac", None)),
    # a new ID for the parent: its children follow it, and the new child must too
    ("post", "/v1/buyers/b/usergroups", {"ID": "g2", "Name": "G2"}, m.UserGroup, "buyer_id", m.Buyer,
     ("patch", "/v1/buyers/b", {"ID": "b2"})),
    ("post", "/v1/catalogs/c/categories", {"ID": "cat", "Name": "Cat"}, m.Category, "catalog_id", m.Catalog,
     ("patch", "/v1/catalogs/c", {"ID": "c2"})),
    ("post", "/v1/buyers/b/addresses", {**_ADDRESS, "ID": "a2"}, m.Address, "buyer_id", m.Buyer,
     ("delete", "/v1/buyers/b", None)),
    ("put", "/v1/suppliers/sup/addresses/a2", _ADDRESS, m.Address, "supplier_id", m.Supplier,
     ("delete", "/v1/suppliers/sup", None)),
    ("post", "/v1/buyers/b/addresses", {**_ADDRESS, "ID": "a2"}, m.Address, "buyer_id", m.Buyer,
     ("patch", "/v1/buyers/b", {"ID": "b2"})),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "model", "parent_column", "parent_model", "removal"),
                         CREATED_WHILE_PARENT_GOES,
                         ids=[f"{c[0]} {c[1]} {c[6][0]} {c[6][1]}" for c in CREATED_WHILE_PARENT_GOES])  # fmt: skip
def test_a_child_created_while_its_parent_is_deleted_is_not_left_behind(call, parties, monkeypatch, method, path, body,
                                                                        model, parent_column, parent_model, removal):  # fmt: skip
    """A buyer's user or user group, a supplier's user, a catalog's category, a spec's option or an
    API client's secret checked that its parent exists; the parent's DELETE committed, removing it
    and its children; then the child was inserted: a 201, and a child of a deleted parent (no
    foreign keys: the column holds the parent's ID) that no list shows and that a new parent created
    with that ID later inherits. The same with a PATCH giving the parent a new ID: the child kept
    the old one. Now the parent check locks the parent until the child is saved: the DELETE (PATCH)
    waits and takes the child with it, or was first (404 NotFound)."""
    for setup_path, setup_body in [
        ("/v1/specs/s", {"Name": "S"}),
        ("/v1/suppliers/sup", {"Name": "Sup"}),
        ("/v1/apiclients/ac", {"AppName": "App", "AccessTokenDuration": 600}),
    ]:
        assert call("put", setup_path, setup_body)[0] == 201, setup_path
    removal_method, removal_path, removal_body = removal
    barrier = threading.Barrier(2)
    # the create waits after its checks (the parent's, then the ID's, which looks at the parent
    # again), before its insert; the removal after its commit (with the lock the removal waits for
    # the create, which waits here alone until the timeout)
    pause_at(monkeypatch, "coreapi.resources.Resource._id_taken", barrier, threads={"create"}, timeout=5)
    pause_at(monkeypatch, f"coreapi.resources.Resource.{removal_method}", barrier, threads={"remove"})
    outcomes = run_concurrently(create=lambda: call(method, path, body),
                                remove=lambda: call(removal_method, removal_path, removal_body))  # fmt: skip

    assert outcomes["remove"][0] in (200, 204), outcomes
    assert outcomes["create"][0] in (201, 404), outcomes
    if outcomes["create"][0] == 404:
        assert outcomes["create"][1]["Errors"][0]["ErrorCode"] == "NotFound", outcomes
    parents = set(parent_model.objects.values_list("oc_id", flat=True))
    children = model.objects.all()
    if model is m.CoreUser:
        children = children.filter(kind=m.UserKind.BUYER if parent_model is m.Buyer else m.UserKind.SUPPLIER)
    if model is m.Address:  # a buyer's, or a supplier's
        children = children.exclude(**{parent_column: ""})
    for row in children:  # every child's parent exists
        parent_id = getattr(row, parent_column)
        assert parent_id in parents, f"{model.__name__} {row.oc_id}: {parent_column}={parent_id}"


def test_a_user_moved_into_a_buyer_being_deleted_is_not_left_behind(call, parties, monkeypatch):
    """Users.Move checked that the new buyer exists; its DELETE committed (with its users); then the
    user was saved into it: a 201 and a user of a buyer that no longer exists. Now the check locks
    the new buyer until the move is saved: the DELETE waits and takes the user with it, or was first (404)."""
    assert call("put", "/v1/buyers/b2", {"Name": "B2"})[0] == 201
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "coreapi.definitions._tokens_revoke", barrier, before=True, threads={"move"}, timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource.delete", barrier, threads={"remove"})
    outcomes = run_concurrently(move=lambda: call("post", "/v1/buyers/b/users/u/moveto/b2?orders=None"),
                                remove=lambda: call("delete", "/v1/buyers/b2"))  # fmt: skip

    assert outcomes["remove"][0] == 204, outcomes
    assert outcomes["move"][0] in (201, 404), outcomes
    buyers = set(m.Buyer.objects.values_list("oc_id", flat=True))
    for user in m.CoreUser.objects.filter(kind=m.UserKind.BUYER):
        assert user.company_id in buyers, f"user {user.oc_id} of buyer {user.company_id}"


@pytest.mark.parametrize("second", ["post", "patch"])
def test_two_categories_put_at_one_list_order_at_once_get_no_tie(call, monkeypatch, second):
    """`adjustListOrders=true` moves the siblings at or after the new ListOrder up: two such writes
    in one parent at once each shifted the rows committed before it started and missed the other's
    category, which kept the same ListOrder. Adjusting writes of a catalog now wait for each other."""
    assert call("post", "/v1/catalogs", {"ID": "cat", "Name": "Cat"})[0] == 201
    url = "/v1/catalogs/cat/categories"
    for category, order in (("s", 1), ("moved", 5)):
        assert call("post", url, {"ID": category, "Name": category, "ListOrder": order})[0] == 201
    writes = {"post": lambda: call("post", f"{url}?adjustListOrders=true", {"ID": "b", "Name": "b", "ListOrder": 1}),
              "patch": lambda: call("patch", f"{url}/moved?adjustListOrders=true", {"ListOrder": 1})}  # fmt: skip
    pause_at(monkeypatch, "coreapi.definitions._list_orders_make_room", threading.Barrier(2), before=True)
    outcomes = run_concurrently(
        first=lambda: call("post", f"{url}?adjustListOrders=true", {"ID": "a", "Name": "a", "ListOrder": 1}),
        second=writes[second],
    )

    assert statuses(outcomes) == ([201, 201] if second == "post" else [200, 201]), outcomes
    orders = list(m.Category.objects.filter(catalog_id="cat").values_list("list_order", flat=True))
    assert len(set(orders)) == len(orders), orders


@pytest.mark.parametrize("first_method", ["patch", "put"])
@pytest.mark.parametrize("shape", ["each-other", "through-children"])
def test_two_categories_moved_under_each_other_at_once_make_no_loop(call, monkeypatch, shape, first_method):
    """A move checks that the new parent is not under the category itself (_category_cycle_check).
    Two moves at once - A under B while B goes under A, or under each other's child - each passed
    that check against the tree as it was before the other's move, and together made a loop: both
    subtrees vanished from every list with a 200. Moves of a catalog's categories now wait for each
    other, so the second sees the first and is refused with the loop error."""
    assert call("post", "/v1/catalogs", {"ID": "cat", "Name": "Cat"})[0] == 201
    url = "/v1/catalogs/cat/categories"
    for category, parent in (("a", None), ("b", None), ("a1", "a"), ("b1", "b")):
        assert call("post", url, {"ID": category, "Name": category, "ParentID": parent})[0] == 201
    a_parent, b_parent = ("b", "a") if shape == "each-other" else ("b1", "a1")
    move = lambda method, category, parent: call(method, f"{url}/{category}", {"Name": category, "ParentID": parent})  # noqa: E731
    pause_at(monkeypatch, "coreapi.definitions._category_cycle_check", threading.Barrier(2))
    outcomes = run_concurrently(a=lambda: move(first_method, "a", a_parent), b=lambda: move("patch", "b", b_parent))

    assert statuses(outcomes) == [200, 400], outcomes
    refused = next(body for status, body in outcomes.values() if status == 400)
    assert refused["Errors"][0]["ErrorCode"] == "InvalidRequest"
    assert refused["Errors"][0]["Message"].startswith("A category cannot be moved under one of its own subcategories")
    parents = dict(m.Category.objects.filter(catalog_id="cat").values_list("oc_id", "parent_id"))
    for category in parents:  # every chain reaches the top
        seen = set()
        while category:
            assert category not in seen, f"a loop: {parents}"
            seen.add(category)
            category = parents.get(category)
    listed = call("get", f"{url}?depth=all&pageSize=100")[1]["Items"]
    assert sorted(c["ID"] for c in listed) == ["a", "a1", "b", "b1"]


def test_an_own_address_created_while_its_user_is_deleted_is_not_left_behind(world, call, monkeypatch):
    """Me.CreateAddress checked the user's buyer; the user's DELETE committed (with its own
    addresses); then the address was inserted: a 201, and a private address of a deleted user that
    a new user with that ID would have had. Now the user is locked until the address is saved: the
    DELETE waits and takes it along, or was first (404)."""
    from coreapi.testing import core_buyer

    core_buyer(world, buyer_id="mb", user_id="me-user", username="me-user", roles=("Shopper", "MeAddressAdmin"))
    shopper = api(world, world.token(username="me-user", client_id="buyer-client"))
    barrier = threading.Barrier(2)
    # the create waits after its checks, before its insert; the DELETE after its commit (with the
    # lock the DELETE waits for the create, which waits here alone until the timeout)
    pause_at(monkeypatch, "coreapi.models.Address.save", barrier, before=True, threads={"create"}, timeout=5)
    pause_at(monkeypatch, "coreapi.resources.Resource.delete", barrier, threads={"remove"})
    outcomes = run_concurrently(create=lambda: shopper("post", "/v1/me/addresses", {k: v for k, v in _ADDRESS.items() if k != "ID"}),
                                remove=lambda: call("delete", "/v1/buyers/mb/users/me-user"))  # fmt: skip

    assert outcomes["remove"][0] == 204, outcomes
    assert outcomes["create"][0] in (201, 404), outcomes
    assert not m.Address.objects.filter(owner_user_id="me-user").exists()
