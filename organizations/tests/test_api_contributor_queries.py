"""Portal API contributor lists read every user's "Verified" in one query, not one per row."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations import services
from organizations.tests.conftest import add_member
from tests.factories import UserFactory
from tests.portal_api import PortalApi


def _grow(org, owner, start, stop):
    """Accepted contributors c<start>..c<stop-1> (c0 alone with a confirmed email), each with one
    pending invitation besides."""
    for n in range(start, stop):
        user = UserFactory(username=f"c{n}", email=f"c{n}@example.com")
        EmailAddress.objects.filter(user=user).delete()
        if n == 0:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        add_member(org, owner, user.username, roles=["ProductReader"])
        invitee = UserFactory(username=f"i{n}-{user.username}", email=f"i{n}-{user.username}@example.com")
        services.contributor_save(actor=owner, organization=org, username=invitee.username, roles=[], is_admin=False)


def _queries(api, path):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, pageSize=100)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["Items"]


@pytest.mark.parametrize("path", ["/organizations/acme-sbx/contributors", "/organizations/acme-sbx/access/users"])
def test_contributor_lists_take_as_many_queries_for_5_rows_as_for_1(client, org, owner, path):
    api = PortalApi(client, owner)
    _grow(org, owner, 0, 1)
    one, items = _queries(api, path)
    verified = {(i.get("User") or i)["Username"]: (i.get("User") or i)["Verified"] for i in items}
    assert verified["c0"] is True
    _grow(org, owner, 1, 5)
    five, items = _queries(api, path)
    assert len(items) > 5
    verified = {(i.get("User") or i)["Username"]: (i.get("User") or i)["Verified"] for i in items}
    assert verified["c0"] is True and verified["c1"] is False  # still read per user, not all alike
    assert five == one
