"""Copy one marketplace's data over another's, set-based: the core of the weekly Staging restore.

    reports = marketplace_copy(source=prod_marketplace, target=staging_marketplace)

What is copied is discovered at run time: every model of the `coreapi` app with a `marketplace`
foreign key to `Marketplace` is a *resource table* and is copied, so a resource added later is
restored without touching this module. Two tables are deliberately not copied:

- `WebhookDelivery` (KEEP): the delivery log of the target's own webhooks; history, not data.
- `TokenRevocation` (KEEP): the target's own revoked tokens stay revoked (copying the source's
  over them would bring revoked Staging tokens back to life).
- `RefreshToken` (CLEAR): sign-in sessions. The source's are never copied (a Production session
  must not sign in to Staging); the target's are deleted, because the users they belong to are
  replaced by the copy. Access tokens already issued simply run out.

A user (`CoreUser`) is copied whole, deliberately: its password hash with its `password_history`
(so Staging refuses the same reused passwords as Production, LimitPasswordReuse) and
`password_last_set_date` and `password_set_by_self` (MaximumPasswordAge and MinimumPasswordAge count from the same
moment), and
its sign-in lock as it stands, `failed_login_attempts` and `locked_until` (a user locked in
Production is locked in Staging until the same time, then both restart; there is no separate
Staging count to keep, as the user rows are replaced).

For each resource table, inside the caller's transaction:

    DELETE FROM t WHERE marketplace_id = <target>
    INSERT INTO t (marketplace_id, c1, c2, ...) SELECT <target>, c1, c2, ... FROM t WHERE marketplace_id = <source>

This works because the core API stores relations between resources as OrderCloud ID strings, never
as foreign keys to other resource rows (coreapi/models.py). The target's exact row counts
(`RowCount`, coreapi/rowcounts.py) follow by trigger in the same transaction; `RowCount` itself
has no `marketplace` foreign key, so it is not a resource table and is never copied. Then the target is made safe
(STAGING_SANITIZE): webhooks are disabled (empty ApiClientIDs, so no request matches them),
integration events lose their CustomImplementationUrl and message senders their delivery target, so
a Staging marketplace never calls Production endpoints.

API client IDs are unique in an environment (the token endpoint finds a client by ID alone): when
another marketplace of the target's environment has one of the source's, the copy raises
CopyConflict before writing anything.

All or nothing: `marketplace_copy` must run inside a transaction (it checks) and takes a row lock on
both Marketplace rows (`SELECT ... FOR NO KEY UPDATE` on PostgreSQL), so two copies into the same target
never interleave; any exception rolls everything back and the target keeps its previous data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.apps import apps
from django.db import connection, models, transaction

from coreapi.models import Marketplace

# Tables with a marketplace FK that are not copied (see the module docstring).
KEEP = "keep"  # the target's rows are kept, the source's are not copied
CLEAR = "clear"  # the target's rows are deleted, the source's are not copied
NOT_COPIED: dict[str, str] = {"WebhookDelivery": KEEP, "TokenRevocation": KEEP, "RefreshToken": CLEAR}

# After the copy, in the target: model name -> {field: value}. A field a model does not have
# (yet) is skipped, so this keeps working while resources grow (e.g. a MessageSender URL).
STAGING_SANITIZE: dict[str, dict] = {
    "Webhook": {"api_client_ids": []},
    "IntegrationEvent": {"custom_implementation_url": ""},
    "MessageSender": {"delivery_config_id": "", "url": ""},
}

MSG_NOT_IN_TRANSACTION = "marketplace_copy must run inside transaction.atomic() (all or nothing)."
MSG_SAME_MARKETPLACE = "A marketplace cannot be copied onto itself."
MSG_ID_TAKEN_IN_ENVIRONMENT = (
    "These API client IDs of the source are used by another organization in {environment}: {ids}. An API client "
    "ID must be unique in its environment (sign-in finds the client by its ID alone), so nothing was copied: give "
    "them other IDs in the source, then copy again."
)


class CopyConflict(Exception):
    """The copy would break a rule no constraint enforces (`ids`: the source's API client IDs that
    another marketplace of the target's environment has); nothing was copied."""

    def __init__(self, message: str, *, ids: list[str]):
        super().__init__(message)
        self.message = message
        self.ids = ids


def _environment_unique_conflicts(*, source: Marketplace, target: Marketplace) -> list[str]:
    """IDs of the source's API clients that another marketplace of the target's environment has
    (API client IDs are unique per environment: coreapi.resources' id_unique_in_environment). Each
    ID's environment lock is held until the copy commits, so a create of it elsewhere waits, then
    finds it taken, as between two creates."""
    from coreapi.models import ApiClient
    from coreapi.resources import advisory_lock_key

    ids = sorted(ApiClient.objects.filter(marketplace=source).values_list("oc_id", flat=True))
    if ids and connection.vendor == "postgresql":  # one statement, whatever the number of clients
        # the keys coreapi.resources._lock_id_in_environment uses, taken in the array's (sorted)
        # order, so two copies do not deadlock
        keys = sorted({advisory_lock_key(f"{ApiClient._meta.db_table}:{target.environment}:{i}") for i in ids})
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])
    # the source itself aside: a copy within one environment (not a Staging restore) has them all
    taken = (ApiClient.objects.filter(marketplace__environment=target.environment, oc_id__in=ids)
             .exclude(marketplace__in=[target.pk, source.pk]).values_list("oc_id", flat=True).distinct())
    return sorted(taken)


@dataclass
class TableReport:
    resource: str  # the model name, e.g. "Product"
    label: str  # for people, e.g. "Products"
    table: str
    rows_copied: int
    rows_removed: int
    rows_sanitized: int
    ms: float

    def as_dict(self) -> dict:
        return asdict(self)


def resource_models() -> list[type[models.Model]]:
    """Every coreapi model whose rows belong to a marketplace (FK named `marketplace`), in
    definition order, including the ones that are not copied."""
    out = []
    for model in apps.get_app_config("coreapi").get_models():
        try:
            field = model._meta.get_field("marketplace")
        except Exception:  # noqa: BLE001 - FieldDoesNotExist
            continue
        if field.is_relation and field.related_model is Marketplace:
            out.append(model)
    return out


def copied_models() -> list[type[models.Model]]:
    return [m for m in resource_models() if m.__name__ not in NOT_COPIED]


def _label(model: type[models.Model]) -> str:
    meta = model._meta
    plural = str(meta.verbose_name_plural)
    if "verbose_name_plural" not in meta.original_attrs and str(meta.verbose_name).endswith("y"):
        plural = str(meta.verbose_name)[:-1] + "ies"  # "categorys" -> "categories"
    return plural[:1].upper() + plural[1:]


def _copy_columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key and f.name != "marketplace"]


def _sanitize(model: type[models.Model], target: Marketplace) -> int:
    rules = STAGING_SANITIZE.get(model.__name__) or {}
    names = {f.name for f in model._meta.concrete_fields}
    values = {name: value for name, value in rules.items() if name in names}
    if not values:
        return 0
    return model.objects.filter(marketplace=target).update(**values)


def marketplace_copy(
    *,
    source: Marketplace,
    target: Marketplace,
    on_table: Callable[[TableReport, int, int], None] | None = None,
    sanitize: bool = True,
) -> list[TableReport]:
    """Replace every resource row of `target` by a copy of `source`'s (see the module docstring).

    `on_table(report, done, total)` is called after each table (progress; an exception raised there
    aborts the copy like any other). Returns one TableReport per copied or cleared table.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(MSG_NOT_IN_TRANSACTION)
    if source.pk == target.pk:
        raise ValueError(MSG_SAME_MARKETPLACE)
    # Lock both rows, in pk order (no deadlock between a copy A->B and B->A). NO KEY: a write to the
    # target through its API checks its marketplace foreign key at commit (FOR KEY SHARE); FOR UPDATE
    # made it wait for the copy while the copy waited for its rows: a deadlock.
    list(Marketplace.objects.select_for_update(no_key=True).filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    taken = _environment_unique_conflicts(source=source, target=target)
    if taken:
        raise CopyConflict(MSG_ID_TAKEN_IN_ENVIRONMENT.format(ids=", ".join(taken), environment=target.environment),
                           ids=taken)
    qn = connection.ops.quote_name
    work = [m for m in resource_models() if NOT_COPIED.get(m.__name__) != KEEP]
    reports: list[TableReport] = []
    with connection.cursor() as cursor:
        for done, model in enumerate(work, start=1):
            started = time.perf_counter()
            table = qn(model._meta.db_table)
            fk = qn(model._meta.get_field("marketplace").column)
            cursor.execute(f"DELETE FROM {table} WHERE {fk} = %s", [target.pk])
            removed = max(cursor.rowcount, 0)
            copied = 0
            sanitized = 0
            if model.__name__ not in NOT_COPIED:
                cols = ", ".join(qn(c) for c in _copy_columns(model))
                cursor.execute(
                    f"INSERT INTO {table} ({fk}, {cols}) SELECT %s, {cols} FROM {table} WHERE {fk} = %s",
                    [target.pk, source.pk],
                )
                copied = max(cursor.rowcount, 0)
                if sanitize:
                    sanitized = _sanitize(model, target)
            report = TableReport(
                resource=model.__name__,
                label=_label(model),
                table=model._meta.db_table,
                rows_copied=copied,
                rows_removed=removed,
                rows_sanitized=sanitized,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            reports.append(report)
            if on_table is not None:
                on_table(report, done, len(work))
    return reports


def restore_table_count() -> int:
    """How many tables a copy walks (for progress bars before the copy starts)."""
    return len([m for m in resource_models() if NOT_COPIED.get(m.__name__) != KEEP])


def resource_counts(*, marketplace: Marketplace) -> dict[str, int]:
    """Rows per copied resource table of a marketplace, e.g. {"Product": 1000, ...}."""
    return {m.__name__: m.objects.filter(marketplace=marketplace).count() for m in copied_models()}
