"""The core API tokens the portal minted for someone (console, Reveal my token, the Portal API's
/organizations/{id}/token) end when their account changes in a way that should end them: a new
password, the account deactivated, a new username (QA 92 #1-#3). Access tokens stop at once and
their refresh tokens give nothing."""

import pytest
from django.test import Client

from accounts.models import User
from organizations import services

pytestmark = pytest.mark.django_db

PRODUCTS = "/core/sandbox/v1/products"


def products(access_token: str) -> int:
    return Client().get(PRODUCTS, HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code


def refresh(refresh_token: str) -> int:
    return Client().post("/core/sandbox/oauth/token", {"grant_type": "refresh_token",
                                                        "refresh_token": refresh_token}).status_code  # fmt: skip


@pytest.fixture
def minted(team, member):
    token = services.organization_token(actor=member, organization=team)
    assert products(token["access_token"]) == 200 and token["refresh_token"]
    return token


def test_a_new_password_ends_them(minted, member):
    member.set_password("A-brand-new-pass-42")
    member.save()
    assert products(minted["access_token"]) == 401
    assert refresh(minted["refresh_token"]) == 400


def test_deactivating_the_account_ends_them(minted, member):
    member.is_active = False
    member.save()  # as the admin's Active box does
    assert products(minted["access_token"]) == 401
    assert refresh(minted["refresh_token"]) == 400


def test_a_new_username_ends_the_ones_minted_under_the_old(minted, member, team, outsider):
    member.username = "mia-renamed"
    member.save(update_fields=["username"])
    assert products(minted["access_token"]) == 401
    assert refresh(minted["refresh_token"]) == 400
    # the old username taken by someone else: the old refresh token never reads their roles
    outsider.username = "mia"
    outsider.save(update_fields=["username"])
    assert refresh(minted["refresh_token"]) == 400
    # a token minted under the new username works, and a removal ends it
    fresh = services.organization_token(actor=User.objects.get(pk=member.pk), organization=team)
    assert products(fresh["access_token"]) == 200


def test_other_saves_keep_them(minted, member):
    member.name = "Mia Member"
    member.save()
    member.save(update_fields=["last_login"])
    assert products(minted["access_token"]) == 200
    assert refresh(minted["refresh_token"]) == 200
