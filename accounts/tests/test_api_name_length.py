"""A Name longer than the account's field holds is refused in the portal's words, naming the field as
the body spells it (Data.Field "Name"): PUT /me answered Django's "Ensure this value has at most 150
characters (it has 151)." on "name", and POST /verify stored it unchecked (a 500 on PostgreSQL)."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from accounts.models import User
from tests.portal_api import PortalApi, error_codes

TOO_LONG = "Name is too long: at most 150 characters; this one has 151."  # as the API's other length errors


def test_put_me_with_a_name_too_long_names_the_field(client, user):
    response = PortalApi(client, user).put("/me", {"Name": "y" * 151})
    assert response.status_code == 400
    assert error_codes(response) == ["InvalidRequest"]
    assert response.json()["Errors"] == [{"ErrorCode": "InvalidRequest", "Message": TOO_LONG, "Data": {"Field": "Name"}}]
    user.refresh_from_db()
    assert user.name != "y" * 151


def test_put_me_with_the_longest_name_saves_it(client, user):
    response = PortalApi(client, user).put("/me", {"Name": "  " + "y" * 150 + " "})  # stripped first, as before
    assert response.status_code == 200, response.json()
    assert response.json()["Name"] == "y" * 150


@pytest.mark.django_db
def test_verify_with_a_name_too_long_names_the_field(client):
    mail.outbox.clear()
    cache.clear()
    assert PortalApi(client).post("/register", {"Email": "long.name@example.com"}).status_code == 204
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    body = {"Email": "long.name@example.com", "Code": code, "Username": "longname", "Password": "a-new-Secret-42"}
    response = PortalApi(client).post("/verify", {**body, "Name": "n" * 151})
    assert response.status_code == 400
    assert response.json()["Errors"] == [{"ErrorCode": "InvalidRequest", "Message": TOO_LONG,
                                          "Data": {"Field": "Name"}}]
    assert not User.objects.filter(username="longname").exists()
    assert PortalApi(client).post("/verify", {**body, "Name": "n" * 150}).status_code == 204  # the code still works
