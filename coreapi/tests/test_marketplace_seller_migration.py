"""Migration 0015: product and bundle assignments stored with SellerID = the marketplace's own ID
become the marketplace's (SellerID none), merged with one saved without a SellerID (the first made
stays). Its function is called on rows made here."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from coreapi import models as m
from coreapi.services import marketplace_create

pytestmark = pytest.mark.django_db

migration = importlib.import_module("coreapi.migrations.0015_marketplace_seller_id_blank")


def run_migration() -> int:
    return migration.marketplace_seller_id_blank(apps, SimpleNamespace(connection=connection))


def test_the_marketplaces_own_seller_id_becomes_none_and_twins_merge(world):
    mp = world.marketplace
    other = marketplace_create(environment="sandbox", marketplace_id="mkt-two", name="two")
    product = lambda **kw: m.ProductAssignment.objects.create(marketplace=mp, buyer_id="b", **kw)  # noqa: E731
    product(product_id="alone", seller_id="mkt-one", price_schedule_id="p1")
    product(product_id="older-own", seller_id="mkt-one", price_schedule_id="own")  # made first: stays
    product(product_id="older-own", seller_id="", price_schedule_id="blank")
    product(product_id="older-blank", seller_id="", price_schedule_id="blank")  # made first: stays
    product(product_id="older-blank", seller_id="mkt-one", price_schedule_id="own")
    product(product_id="supplier", seller_id="maker", price_schedule_id="s")
    product(product_id="group", seller_id="mkt-one", user_group_id="vip")
    m.ProductAssignment.objects.create(marketplace=other, product_id="x", buyer_id="b", seller_id="mkt-one")
    m.BundleAssignment.objects.create(marketplace=mp, bundle_id="bu", buyer_id="b", seller_id="")
    m.BundleAssignment.objects.create(marketplace=mp, bundle_id="bu", buyer_id="b", seller_id="mkt-one")

    assert run_migration() == 5
    rows = sorted(m.ProductAssignment.objects.filter(marketplace=mp).values_list(
        "product_id", "user_group_id", "seller_id", "price_schedule_id"))  # fmt: skip
    assert rows == [("alone", "", "", "p1"), ("group", "vip", "", ""), ("older-blank", "", "", "blank"),
                    ("older-own", "", "", "own"), ("supplier", "", "maker", "s")]  # fmt: skip
    # another marketplace's ID is a supplier's there (or nothing): left alone
    assert m.ProductAssignment.objects.get(marketplace=other).seller_id == "mkt-one"
    assert list(m.BundleAssignment.objects.values_list("seller_id", flat=True)) == [""]
    assert run_migration() == 0
