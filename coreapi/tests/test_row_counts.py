"""An unfiltered product list's TotalCount comes from the trigger-kept RowCount (no COUNT(*) over the
marketplace), and stays exact whoever writes the rows: the API, bulk_create, QuerySet.delete, the
staging restore's set-based copy, a marketplace's CASCADE delete, a row moving, raw SQL."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from coreapi import models as m
from coreapi import restore, rowcounts
from coreapi.services import marketplace_delete
from coreapi.testing import core_world

pytestmark = pytest.mark.django_db


def stored_count(marketplace) -> int:
    return rowcounts.marketplace_row_count(m.Product, marketplace_pk=marketplace.pk)


def assert_exact(*marketplaces) -> None:
    for mp in marketplaces:
        assert stored_count(mp) == m.Product.objects.filter(marketplace=mp).count()


def add_products(mp, n: int, prefix: str = "p") -> None:
    m.Product.objects.bulk_create(m.Product(marketplace=mp, oc_id=f"{prefix}-{i:04d}", name=f"P {i}") for i in range(n))


@pytest.fixture
def other(world):
    return core_world(marketplace_id="mkt-two", client_id="c2").marketplace


class TestTotalCountOfUnfilteredLists:
    def test_is_exact_and_runs_no_count_query(self, world, admin_token):
        add_products(world.marketplace, 45)
        with CaptureQueriesContext(connection) as captured:
            response = world.call("get", "/v1/products", admin_token, QUERY_STRING="pageSize=20&page=3")
        meta = response.json()["Meta"]
        assert (meta["TotalCount"], meta["TotalPages"], meta["ItemRange"]) == (45, 3, [41, 45])
        assert len(response.json()["Items"]) == 5
        counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        assert not [sql for sql in counts if 'FROM "coreapi_product"' in sql]

    def test_filtered_and_searched_lists_still_count_their_matches(self, world, admin_token):
        add_products(world.marketplace, 30)
        m.Product.objects.filter(oc_id__in=["p-0001", "p-0002"]).update(name="Special")
        filtered = world.call("get", "/v1/products", admin_token, QUERY_STRING="Name=Special")
        searched = world.call("get", "/v1/products", admin_token, QUERY_STRING="search=Special")
        assert filtered.json()["Meta"]["TotalCount"] == 2
        assert searched.json()["Meta"]["TotalCount"] == 2

    def test_follows_api_creates_and_deletes(self, world, admin_token):
        for i in range(3):
            assert world.call("post", "/v1/products", admin_token, {"ID": f"api-{i}", "Name": "P"}).status_code == 201
        assert world.call("put", "/v1/products/api-9", admin_token, {"Name": "Put-created"}).status_code == 201
        assert world.call("delete", "/v1/products/api-0", admin_token).status_code == 204
        assert world.call("get", "/v1/products", admin_token).json()["Meta"]["TotalCount"] == 3

    def test_a_marketplace_without_products_counts_zero(self, world, admin_token):
        meta = world.call("get", "/v1/products", admin_token).json()["Meta"]
        assert (meta["TotalCount"], meta["TotalPages"]) == (0, 0)


class TestRowCountStaysExact:
    def test_bulk_create_and_queryset_delete_per_marketplace(self, world, other):
        add_products(world.marketplace, 120)
        add_products(other, 7)
        m.Product.objects.filter(marketplace=world.marketplace, oc_id__lt="p-0020").delete()
        assert stored_count(world.marketplace) == 100 and stored_count(other) == 7
        assert_exact(world.marketplace, other)

    def test_a_rolled_back_insert_is_not_counted(self, world):
        add_products(world.marketplace, 4)
        with pytest.raises(RuntimeError), transaction.atomic():
            add_products(world.marketplace, 10, prefix="gone")
            raise RuntimeError
        assert stored_count(world.marketplace) == 4

    def test_staging_restore_copy(self, world, other):
        add_products(world.marketplace, 12)
        add_products(other, 3, prefix="staging-only")
        with transaction.atomic():
            restore.marketplace_copy(source=world.marketplace, target=other)
        assert stored_count(other) == 12
        assert_exact(world.marketplace, other)

    def test_marketplace_delete_cascade(self, world, other):
        add_products(world.marketplace, 9)
        add_products(other, 2)
        pk = world.marketplace.pk
        marketplace_delete(environment="sandbox", marketplace_id="mkt-one")
        assert rowcounts.marketplace_row_count(m.Product, marketplace_pk=pk) == 0
        assert_exact(other)

    def test_a_row_moving_to_another_marketplace(self, world, other):
        add_products(world.marketplace, 5)
        m.Product.objects.filter(oc_id__in=["p-0000", "p-0001"]).update(marketplace=other)
        assert (stored_count(world.marketplace), stored_count(other)) == (3, 2)

    def test_raw_sql(self, world):
        table = m.Product._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (marketplace_id, oc_id, owner_id, default_price_schedule_id, auto_forward, parent_id,"
                " is_parent, is_bundle, name, description, quantity_multiplier, active, ship_from_address_id,"
                " default_supplier_id, all_suppliers_can_sell, returnable, date_created, xp)"
                " VALUES (%s, 'raw', '', '', false, '', false, false, 'Raw', '', 1, true, '', '', false, false,"
                " CURRENT_TIMESTAMP, '{}')",
                [world.marketplace.pk],
            )
            assert stored_count(world.marketplace) == 1
            cursor.execute(f"DELETE FROM {table} WHERE oc_id = 'raw'")
        assert stored_count(world.marketplace) == 0

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
    def test_truncate(self, world):
        add_products(world.marketplace, 3)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: TRUNCATE refuses them
            cursor.execute(f"TRUNCATE {m.Product._meta.db_table}")
        assert stored_count(world.marketplace) == 0


class TestTriggersAreRepaired:
    def test_missing_triggers_are_put_back_and_the_table_recounted(self, world):
        rowcounts.uninstall(m.Product._meta.db_table)
        add_products(world.marketplace, 6)  # not counted while the triggers are gone
        assert stored_count(world.marketplace) == 0
        assert rowcounts.ensure_installed() == [m.Product._meta.db_table]
        assert stored_count(world.marketplace) == 6
        add_products(world.marketplace, 1, prefix="after")
        assert stored_count(world.marketplace) == 7
        assert rowcounts.ensure_installed() == []
