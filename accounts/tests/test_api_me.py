"""Portal API: GET /me and the user directory GET /portalusers[/{username}]."""

import pytest
from allauth.account.models import EmailAddress

from accounts.apis import ERR_USER_NOT_FOUND
from tests.factories import UserFactory
from tests.portal_api import PortalApi, error_codes

pytestmark = pytest.mark.django_db


def test_me_returns_the_signed_in_user(client, user):
    response = PortalApi(client, user).get("/me")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["Username"] == "hamlet"
    assert body["Name"] == "Prince Hamlet"
    assert body["Email"] == "hamlet@example.com"
    assert body["Verified"] is False
    assert body["SCAdmin"] is False


def test_me_is_verified_once_the_email_address_is(client, user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assert PortalApi(client, user).get("/me").json()["Verified"] is True


def test_me_requires_a_token(client):
    response = PortalApi(client).get("/me")
    assert response.status_code == 401
    assert error_codes(response) == ["Unauthorized"]


@pytest.fixture
def directory(db):
    return [
        UserFactory(username="rosencrantz", name="Rosencrantz Courtier", email="ros@example.com"),
        UserFactory(username="guildenstern", name="Guildenstern Courtier", email="gui@example.com"),
        UserFactory(username="gertrude", name="Queen Gertrude", email="gertrude@example.com"),
        UserFactory(username="r.o+s@x", name="Odd Name", email="odd@example.com"),
    ]


class TestPortalUsers:
    def test_search_by_username_prefix_never_shows_emails(self, client, user, directory):
        response = PortalApi(client, user).get("/portalusers", search="g")
        assert response.status_code == 200
        body = response.json()
        assert [item["Username"] for item in body["Items"]] == ["gertrude", "guildenstern"]
        assert all(set(item) == {"Username", "Name"} for item in body["Items"])
        assert "@example.com" not in response.content.decode()
        assert body["Meta"] == {"Page": 1, "PageSize": 20, "TotalCount": 2, "TotalPages": 1, "ItemRange": [1, 2]}

    def test_search_by_any_word_of_the_name(self, client, user, directory):
        body = PortalApi(client, user).get("/portalusers", search="courtier").json()
        assert {item["Username"] for item in body["Items"]} == {"rosencrantz", "guildenstern"}

    def test_empty_search_lists_nobody(self, client, user, directory):
        body = PortalApi(client, user).get("/portalusers").json()
        assert body["Items"] == []
        assert body["Meta"]["TotalCount"] == 0

    def test_paging(self, client, user, directory):
        body = PortalApi(client, user).get("/portalusers", search="g", page=2, pageSize=1).json()
        assert [item["Username"] for item in body["Items"]] == ["guildenstern"]
        assert body["Meta"] == {"Page": 2, "PageSize": 1, "TotalCount": 2, "TotalPages": 2, "ItemRange": [2, 2]}

    @pytest.mark.parametrize("query", [{"page": "abc"}, {"pageSize": 1000}, {"page": 0}])
    def test_bad_paging_is_a_400_not_a_422(self, client, user, query):
        response = PortalApi(client, user).get("/portalusers", search="g", **query)
        assert response.status_code == 400
        assert error_codes(response) == ["InvalidRequest"]

    def test_get_one_user(self, client, user, directory):
        response = PortalApi(client, user).get("/portalusers/gertrude")
        assert response.status_code == 200
        assert response.json() == {"Username": "gertrude", "Name": "Queen Gertrude"}

    def test_unencoded_username_with_dot_plus_and_at(self, client, user, directory):
        # the SDK puts path segments in the URL as they are (portal-api-contract §11.6)
        response = PortalApi(client, user).get("/portalusers/r.o+s@x")
        assert response.status_code == 200, response.content
        assert response.json()["Username"] == "r.o+s@x"

    def test_unknown_user_is_404_with_object_data(self, client, user):
        response = PortalApi(client, user).get("/portalusers/nobody")
        assert response.status_code == 404
        assert response.json() == {
            "Errors": [
                {
                    "ErrorCode": "NotFound",
                    "Message": ERR_USER_NOT_FOUND.format(username="nobody"),
                    "Data": {"ObjectType": "User", "ObjectID": "nobody"},
                }
            ]
        }

    def test_inactive_user_is_not_found(self, client, user, directory):
        directory[2].is_active = False
        directory[2].save()
        assert PortalApi(client, user).get("/portalusers/gertrude").status_code == 404

    def test_anonymous_is_401(self, client, directory):
        assert PortalApi(client).get("/portalusers", search="g").status_code == 401
        assert PortalApi(client).get("/portalusers/gertrude").status_code == 401


class TestRegions:
    def test_every_region_allows_a_sandbox(self, client, user):
        body = PortalApi(client, user).get("/me/regions").json()
        assert [r["Region"]["Id"] for r in body["Items"]] == ["usw", "est", "aus", "eur", "jpn"]
        assert body["Items"][0] == {
            "Region": {"Id": "usw", "Name": "US-West", "AzureRegion": "westus"},
            "CanCreateQa": False,
            "CanCreateProduction": False,
            "CanCreateSandbox": True,
        }
        assert body["Meta"]["TotalCount"] == 5

    def test_search_and_paging(self, client, user):
        api = PortalApi(client, user)
        assert [r["Region"]["Id"] for r in api.get("/me/regions", search="east").json()["Items"]] == ["est", "aus", "jpn"]
        assert [r["Region"]["Id"] for r in api.get("/me/regions", page=2, pageSize=2).json()["Items"]] == ["aus", "eur"]

    def test_anonymous_is_401(self, client):
        assert PortalApi(client).get("/me/regions").status_code == 401
