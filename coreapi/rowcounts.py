"""Exact per-marketplace row counts of large tables, kept by database triggers.

An unfiltered list (`GET /v1/products`) must answer an exact `Meta.TotalCount`. `COUNT(*)` over a
marketplace's rows grows with the marketplace (about 10 ms per 100,000 products on PostgreSQL, even
as an index-only scan of an all-visible table), while the page itself costs the same at any size.
So each table in `COUNTED_MODELS` has triggers that keep `RowCount(marketplace_pk, table_name)` up
to date in the same transaction as the change:

- PostgreSQL: statement-level AFTER INSERT / AFTER DELETE triggers with transition tables (one
  upsert per statement and marketplace, so `bulk_create` and the restore's `INSERT ... SELECT` cost
  one extra statement, not one per row); a row-level AFTER UPDATE OF marketplace_id trigger for a
  row that moves; AFTER TRUNCATE resets the table's counts.
- SQLite (development and quick tests): row-level triggers doing the same.

Every writer is covered because the database does it: the API's services, ORM `bulk_create`,
`QuerySet.delete()` of a CASCADE, `coreapi.restore`'s set-based copy, raw SQL. Filtered or searched
lists still run `COUNT(*)` (their counts depend on the query).

A write to a counted table updates one `RowCount` row, which it holds locked until commit:
concurrent inserts into the *same* marketplace's table serialize on it (different marketplaces do
not). Adding a model to `COUNTED_MODELS` needs a migration calling `install(...)` +
`recount(...)` for it (see 0002_rowcount), and every transaction that writes two counted tables
of one marketplace should write them in the same order (or risk a deadlock).

`ensure_installed()` runs after every `migrate` (post_migrate): on SQLite a migration that rebuilds
a table drops its triggers, so missing triggers are put back and that table is recounted.
"""

from __future__ import annotations

from django.db import connection as default_connection

from coreapi.models import RowCount

COUNTED_TABLES: tuple[str, ...] = ("coreapi_product",)
ROWCOUNT_TABLE = "coreapi_rowcount"

_PG_FUNCTIONS = [
    f"""
    CREATE OR REPLACE FUNCTION coreapi_rowcount_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {ROWCOUNT_TABLE} (marketplace_pk, table_name, row_count)
        SELECT marketplace_id, TG_TABLE_NAME, count(*) FROM coreapi_new_rows GROUP BY marketplace_id ORDER BY 1
        ON CONFLICT (marketplace_pk, table_name)
        DO UPDATE SET row_count = {ROWCOUNT_TABLE}.row_count + EXCLUDED.row_count;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION coreapi_rowcount_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {ROWCOUNT_TABLE} (marketplace_pk, table_name, row_count)
        SELECT marketplace_id, TG_TABLE_NAME, -count(*) FROM coreapi_old_rows GROUP BY marketplace_id ORDER BY 1
        ON CONFLICT (marketplace_pk, table_name)
        DO UPDATE SET row_count = {ROWCOUNT_TABLE}.row_count + EXCLUDED.row_count;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION coreapi_rowcount_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {ROWCOUNT_TABLE} (marketplace_pk, table_name, row_count)
        VALUES (LEAST(OLD.marketplace_id, NEW.marketplace_id), TG_TABLE_NAME,
                CASE WHEN OLD.marketplace_id < NEW.marketplace_id THEN -1 ELSE 1 END),
               (GREATEST(OLD.marketplace_id, NEW.marketplace_id), TG_TABLE_NAME,
                CASE WHEN OLD.marketplace_id < NEW.marketplace_id THEN 1 ELSE -1 END)
        ON CONFLICT (marketplace_pk, table_name)
        DO UPDATE SET row_count = {ROWCOUNT_TABLE}.row_count + EXCLUDED.row_count;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION coreapi_rowcount_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {ROWCOUNT_TABLE} WHERE table_name = TG_TABLE_NAME;
        RETURN NULL;
    END $$
    """,
]


def _trigger_names(table: str) -> list[str]:
    return [f"{table}_rc_{suffix}" for suffix in ("ins", "del", "mov", "trunc")]


def _pg_triggers(table: str) -> list[str]:
    ins, dele, mov, trunc = _trigger_names(table)
    return [
        f"""CREATE TRIGGER {ins} AFTER INSERT ON {table} REFERENCING NEW TABLE AS coreapi_new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION coreapi_rowcount_inserted()""",
        f"""CREATE TRIGGER {dele} AFTER DELETE ON {table} REFERENCING OLD TABLE AS coreapi_old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION coreapi_rowcount_deleted()""",
        f"""CREATE TRIGGER {mov} AFTER UPDATE OF marketplace_id ON {table} FOR EACH ROW
            WHEN (OLD.marketplace_id IS DISTINCT FROM NEW.marketplace_id)
            EXECUTE FUNCTION coreapi_rowcount_moved()""",
        f"""CREATE TRIGGER {trunc} AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION coreapi_rowcount_truncated()""",
    ]


def _sqlite_upsert(marketplace: str, delta: int, table: str) -> str:
    return (
        f"INSERT INTO {ROWCOUNT_TABLE} (marketplace_pk, table_name, row_count) VALUES ({marketplace}, '{table}', {delta}) "
        f"ON CONFLICT (marketplace_pk, table_name) DO UPDATE SET row_count = row_count + excluded.row_count;"
    )


def _sqlite_triggers(table: str) -> list[str]:
    ins, dele, mov, _trunc = _trigger_names(table)
    return [
        f"CREATE TRIGGER {ins} AFTER INSERT ON {table} BEGIN {_sqlite_upsert('NEW.marketplace_id', 1, table)} END",
        f"CREATE TRIGGER {dele} AFTER DELETE ON {table} BEGIN {_sqlite_upsert('OLD.marketplace_id', -1, table)} END",
        f"""CREATE TRIGGER {mov} AFTER UPDATE OF marketplace_id ON {table}
            WHEN OLD.marketplace_id IS NOT NEW.marketplace_id BEGIN
            {_sqlite_upsert('OLD.marketplace_id', -1, table)} {_sqlite_upsert('NEW.marketplace_id', 1, table)} END""",
    ]


def _existing_triggers(connection, table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def _supported(connection) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def install(table: str, *, connection=default_connection) -> bool:
    """Create the triggers of `table` that are missing; True when any was."""
    if not _supported(connection):
        return False
    wanted = _trigger_names(table)
    statements = _pg_triggers(table) if connection.vendor == "postgresql" else _sqlite_triggers(table)
    present = _existing_triggers(connection, table)
    missing = [sql for name, sql in zip(wanted, statements, strict=False) if name not in present]
    if not missing:
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _PG_FUNCTIONS:
                cursor.execute(sql)
        for sql in missing:
            cursor.execute(sql)
    return True


def uninstall(table: str, *, connection=default_connection) -> None:
    if not _supported(connection):
        return
    with connection.cursor() as cursor:
        for name in _trigger_names(table):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def recount(table: str, *, connection=default_connection) -> None:
    """Recompute `table`'s counts from its rows (after installing its triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ROWCOUNT_TABLE} WHERE table_name = %s", [table])
        cursor.execute(
            f"INSERT INTO {ROWCOUNT_TABLE} (marketplace_pk, table_name, row_count) "
            f"SELECT marketplace_id, %s, COUNT(*) FROM {table} GROUP BY marketplace_id",
            [table],
        )


def ensure_installed(*, connection=default_connection) -> list[str]:
    """Put back missing triggers and recount those tables; the tables that needed it."""
    if not _supported(connection):
        return []
    tables = set(connection.introspection.table_names())
    if ROWCOUNT_TABLE not in tables:  # migrated back before 0002
        return []
    repaired = []
    for table in COUNTED_TABLES:
        if table in tables and install(table, connection=connection):
            recount(table, connection=connection)
            repaired.append(table)
    return repaired


def counted(model) -> bool:
    return model._meta.db_table in COUNTED_TABLES and _supported(default_connection)


def marketplace_row_count(model, *, marketplace_pk: int) -> int:
    """The exact number of `model` rows of the marketplace (a model in COUNTED_TABLES)."""
    value = (
        RowCount.objects.filter(marketplace_pk=marketplace_pk, table_name=model._meta.db_table)
        .values_list("row_count", flat=True)
        .first()
    )
    return value or 0
