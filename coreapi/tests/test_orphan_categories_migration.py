"""Migration 0013: categories orphaned before deleting a category took its subcategories along
(a ParentID naming no category of their catalog) go, with everything under them and their
assignments, as a delete of their parent does now. Its function is called on rows made here."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from coreapi import models as m
from coreapi.services import marketplace_create

pytestmark = pytest.mark.django_db

migration = importlib.import_module("coreapi.migrations.0013_delete_orphan_categories")


def run_migration() -> int:
    return migration.delete_orphan_categories(apps, SimpleNamespace(connection=connection))


def categories(mp, catalog_id):
    return [(c["catalog_id"], c["oc_id"], c["parent_id"]) for c in m.Category.objects.filter(
        marketplace=mp, catalog_id=catalog_id).order_by("oc_id").values("catalog_id", "oc_id", "parent_id")]  # fmt: skip


def make(mp, catalog_id, oc_id, parent_id="", *, assigned=True):
    m.Category.objects.create(marketplace=mp, catalog_id=catalog_id, oc_id=oc_id, name=oc_id, parent_id=parent_id)
    if assigned:
        where = {"marketplace": mp, "catalog_id": catalog_id, "category_id": oc_id}
        m.CategoryProductAssignment.objects.create(**where, product_id="prod")
        m.CategoryBundleAssignment.objects.create(**where, bundle_id="bun")
        m.CategoryAssignment.objects.create(**where, buyer_id="buyer-1", visible=True)


@pytest.fixture
def trees(world):
    """Catalog c1: root > child > grandchild (kept); gone-parent's orphan > o1 > o2, o1b (deleted);
    in-c2 whose parent exists only in catalog c2 (deleted). Catalog c2: in-c2-parent > in-c2 (kept:
    same ID as the c1 orphan). Marketplace mkt-two: gone-parent > orphan (kept: not an orphan there)."""
    mp = world.marketplace
    for catalog_id in ("c1", "c2"):
        m.Catalog.objects.create(marketplace=mp, oc_id=catalog_id, name=catalog_id)
    make(mp, "c1", "root")
    make(mp, "c1", "child", "root")
    make(mp, "c1", "grandchild", "child")
    make(mp, "c1", "orphan", "gone-parent")
    make(mp, "c1", "o1", "orphan")
    make(mp, "c1", "o2", "o1")
    make(mp, "c1", "o1b", "orphan", assigned=False)
    make(mp, "c1", "in-c2", "in-c2-parent")
    make(mp, "c2", "in-c2-parent")
    make(mp, "c2", "in-c2", "in-c2-parent")
    other = marketplace_create(environment="sandbox", marketplace_id="mkt-two", name="mkt-two")
    make(other, "c1", "gone-parent")
    make(other, "c1", "orphan", "gone-parent")
    return mp, other


def listed(call, path) -> list[tuple]:
    items = call("get", f"{path}?pageSize=100", status=200).json()["Items"]
    return sorted(tuple(item.get(k) for k in ("CategoryID", "ID", "ParentID") if k in item) for item in items)


def test_orphans_and_everything_under_them_go_with_their_assignments(world, call, trees):
    mp, other = trees
    assert run_migration() == 5
    assert listed(call, "/v1/catalogs/c1/categories") == [
        ("child", "root"), ("grandchild", "child"), ("root", None)
    ]  # fmt: skip
    assert listed(call, "/v1/catalogs/c2/categories") == [("in-c2", "in-c2-parent"), ("in-c2-parent", None)]
    for kind in ("productassignments", "bundleassignments", "assignments"):
        assert listed(call, f"/v1/catalogs/c1/categories/{kind}") == [("child",), ("grandchild",), ("root",)], kind
        assert listed(call, f"/v1/catalogs/c2/categories/{kind}") == [("in-c2",), ("in-c2-parent",)], kind
    assert categories(other, "c1") == [("c1", "gone-parent", ""), ("c1", "orphan", "gone-parent")]
    assert m.CategoryProductAssignment.objects.filter(marketplace=other).count() == 2


def test_a_database_without_orphans_is_left_alone(world, call, trees):
    run_migration()
    before = categories(trees[0], "c1")
    assert run_migration() == 0
    assert categories(trees[0], "c1") == before


def test_a_long_chain_and_many_orphans(world):
    """More IDs than one IN (...) of the migration takes, and a chain deeper than a few levels."""
    mp = world.marketplace
    m.Category.objects.bulk_create(
        [m.Category(marketplace=mp, catalog_id="c1", oc_id=f"o{i}", parent_id="gone") for i in range(1200)]
        + [m.Category(marketplace=mp, catalog_id="c1", oc_id=f"d{i}", parent_id=f"d{i - 1}" if i else "o0")
           for i in range(60)]
        + [m.Category(marketplace=mp, catalog_id="c1", oc_id="kept")]
    )  # fmt: skip
    assert run_migration() == 1260
    assert categories(mp, "c1") == [("c1", "kept", "")]
