"""Declarative resources: one `Resource` (model, SDK schema, path, parent, roles) generates the
List / Get / Create / Save (PUT, create or replace) / Patch / Delete operations of an OrderCloud
resource, and one `Assignment` the List/Save/Delete operations of an assignment table.

SDK field names map to model columns by snake_case (`DefaultPriceScheduleID` ->
`default_price_schedule_id`, `ID` -> `oc_id`); `computed` fields are read-only values built per row.
The writers here are the services of every generic resource (atomic, validated, then the webhook
hook point).
"""

import functools
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from pydantic import BaseModel

from coreapi import rowcounts
from coreapi.errors import (
    MSG_ID_EXISTS,
    MSG_INVALID_ID,
    MSG_NOT_OWNER,
    MSG_OWNER_IS_YOUR_SUPPLIER,
    MSG_REQUIRED,
    MSG_SUPPLIER_ID_FIXED,
    MSG_SUPPLIER_ROW,
    CoreObjectNotFound,
    IdExists,
    InsufficientRoles,
    InvalidRequest,
)
from coreapi.querying import ListSpec, apply_filters, is_unfiltered, list_params_parse, page_slice

ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")
_SNAKE_1 = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SNAKE_2 = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")


def column_for(name: str) -> str:
    if name == "ID":
        return "oc_id"
    name = name.replace("IDs", "Ids")  # ApiClientIDs -> api_client_ids, not api_client_i_ds
    return _SNAKE_2.sub("_", _SNAKE_1.sub("_", name)).lower()


def new_id() -> str:
    """A URL-safe, 22-character random ID (like OrderCloud's generated IDs)."""
    return secrets.token_urlsafe(16)[:22]


def new_client_id() -> str:
    return str(uuid.uuid4()).upper()


def id_validate(value: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidRequest(MSG_INVALID_ID, data={"Field": "ID", "Value": value})
    return value


def json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def deep_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return patch


@dataclass
class Parent:
    param: str  # path parameter, e.g. "buyerID"
    column: str  # column of the child holding the parent's ID, e.g. "buyer_id" / "company_id"
    model: type[models.Model]
    object_type: str  # for NotFound, e.g. "Buyer"


@dataclass(frozen=True)
class Ref:
    """A column of another table that holds a resource's ID: when the resource gets a new ID
    (PUT/PATCH with another ID), the rows of the same marketplace that hold the old one get the new
    one, so nothing that refers to it is orphaned (OrderCloud keeps relationships across an ID
    change). `parent_column`: for a child resource (a buyer's user, a catalog's category), the
    column that must hold the parent's ID too; `scope`: fixed column values (e.g. admin users are
    the ones with no buyer and no supplier); `update`: a custom updater for JSON columns,
    called as update(marketplace_pk, parent_id, old_id, new_id)."""

    model: Any
    column: str = ""
    parent_column: str = ""
    scope: tuple[tuple[str, Any], ...] = ()
    update: Callable[[int, str | None, str, str], None] | None = None


@dataclass(frozen=True)
class SupplierAccess:
    """What a supplier user's token may do with a marketplace resource (OrderCloud's supplier
    perspective; without a SupplierAccess only marketplace (admin) users may use it).

    - `owner` (an SDK field: OwnerID) set: the supplier reads and writes the rows its supplier
      owns, creates rows owned by it (OwnerID filled in; another supplier's is a 400), and only
      reads the rows `readable(marketplace_pk, supplier_id)` adds (a write to one of those is
      403). Another supplier's rows are not found (404).
    - `owner` None: the rows belong to their parent; the supplier reads and writes those of
      parents its supplier owns (the parent's `parent_owner_column`: a spec's `owner_id`, a
      supplier's own `oc_id`), and any other parent is not found.
    - `own_row`: the rows are the suppliers themselves; a supplier reads and changes only its own
      (not its ID), any other is not found, and it creates and deletes none (403).
    """

    owner: str | None = "OwnerID"
    readable: Callable[[int, str], models.Q] | None = None
    parent_owner_column: str = "owner_id"  # with owner None: the parent's column holding the supplier
    own_row: bool = False

    @property
    def owner_column(self) -> str | None:
        return column_for(self.owner) if self.owner else None


class _WriteConflict(IdExists):
    """A unique constraint broke under a write: a concurrent request committed the same ID (or
    username) after this one's checks; or a check of a new object found a unique value (a
    username) taken by a concurrent create of this very object (see Resource._save_new).
    `_retried_on_conflict` runs the write once more."""


def _retried_on_conflict(write):
    """Run a create / replace / patch again, once, when a concurrent request won the race for a
    unique value: the second run's checks see the committed row and answer as they would have one
    request later (IdExists, UsernameMustBeUnique, or for a PUT the replace of the object that now
    exists) instead of blaming the ID for whatever constraint broke."""

    @functools.wraps(write)
    def run(self, *args, **kwargs):
        try:
            with transaction.atomic():
                return write(self, *args, **kwargs)
        except _WriteConflict:
            pass
        return write(self, *args, **kwargs)  # a second conflict is answered IdExists

    return run


def _lock_id_in_environment(model, environment: str, object_id: str) -> None:
    """Until the transaction ends, hold the lock on this ID in the environment (a PostgreSQL
    advisory lock), for IDs unique across the environment's marketplaces, which no constraint
    enforces: a concurrent create of the same ID in another marketplace waits here, then finds it
    taken. SQLite has one writer at a time."""
    advisory_lock(f"{model._meta.db_table}:{environment}:{object_id}")


def advisory_lock(name: str) -> None:
    """Until the transaction ends, hold the PostgreSQL advisory lock named `name` (hashed to its
    64-bit key): a concurrent transaction asking for the same name waits. SQLite has one writer
    at a time."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_key(name)])


def advisory_lock_key(name: str) -> int:
    """The 64-bit key of the advisory lock named `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def exists_locked(qs: models.QuerySet) -> bool:
    """Whether a row the write refers to exists, keeping it (PostgreSQL FOR KEY SHARE, until the
    transaction ends) from being deleted or getting a new ID meanwhile: a concurrent DELETE (or
    PATCH/PUT, which lock the row first) waits for this write and then takes what it saved with
    it, or committed first and the row is not found. A plain exists() would let the write save
    an assignment of an object deleted since the check. Writes referring to one row do not wait
    for each other. SQLite has one writer at a time."""
    if connection.vendor != "postgresql":
        return qs.exists()
    sql, params = qs.values("pk")[:1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR KEY SHARE", params)
        return cursor.fetchone() is not None


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
XP_MAX_BYTES = 8000  # OrderCloud: "The entire xp object must be 8000 bytes or less"


def _int32_errors(obj) -> dict[str, list[str]]:
    """The integer columns holding a value beyond 32 bits, as PostgreSQL's model validation words
    it: SQLite's integers have 64 bits, so there QuantityMultiplier 2**31 was saved (201) where
    PostgreSQL (and OrderCloud, whose integers are Int32) refuse it."""
    errors = {}
    for model_field in obj._meta.concrete_fields:
        value = getattr(obj, model_field.attname)
        if type(model_field) not in (models.IntegerField, models.PositiveIntegerField) or not isinstance(value, int):
            continue
        if value > INT32_MAX:
            errors[model_field.name] = [f"Ensure this value is less than or equal to {INT32_MAX}."]
        elif value < INT32_MIN:
            errors[model_field.name] = [f"Ensure this value is greater than or equal to {INT32_MIN}."]
    return errors


def _xp_size_check(xp) -> None:
    size = len(json.dumps(xp, separators=(",", ":"), ensure_ascii=False).encode())
    if size > XP_MAX_BYTES:
        raise InvalidRequest(
            f"xp must be at most {XP_MAX_BYTES} bytes of JSON; this one has {size}.",
            data={"Field": "xp", "Size": size, "MaxSize": XP_MAX_BYTES},
        )


@dataclass
class Operation:
    """A write a Resource has besides the generated ones (PriceSchedules.SavePriceBreak): `mount`ed
    by apis._mount_resource with the resource's write roles (supplier users too where the resource
    lets them), its pre-hooks and its webhooks, as the generated writes are.

    `run(caller, path_params, query, data)` does it and returns the response body (None: 204);
    `query`: query parameter -> annotation (`int | None`); `required`: the body fields the
    OpenAPI document marks required."""

    op: str  # the SDK's operation name: "SavePriceBreak"
    verb: str  # "POST", "DELETE"
    path: str  # under /v1: "/priceschedules/{priceScheduleID}/PriceBreaks"
    run: Callable[..., Any]
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None  # the 200 body's schema (None: 204, no body)
    query: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    summary: str = ""
    description: str = ""

    def operation_id(self, res: "Resource") -> str:
        return f"{res.sdk}.{self.op}"

    def mount(self, router, res: "Resource", *, before: Callable[..., None], fire: Callable[..., None]) -> None:
        """Add it to the (ninja) router: `before` / `fire` are the API's pre-hook and webhook calls."""
        import inspect

        route = f"v1{self.path}"
        path_names = re.findall(r"{(\w+)}", route)
        suppliers = res.supplier_access is not None
        verb = self.verb

        def view(request, **kw):
            caller = request.auth
            caller.require(res.write_roles, seller_only=True, suppliers=suppliers)
            payload = kw.pop("payload", None)
            data = payload.model_dump(mode="json", exclude_unset=True) if payload is not None else None
            query = {name: kw.pop(name, None) for name in self.query}
            before(request, route=route, verb=verb, params=kw, request_body=data)
            body = self.run(caller, kw, query, data)
            fire(request, route=route, verb=verb, params=kw, request_body=data, response_body=body)
            return HttpResponse(status=204) if body is None else json_response(body)

        P = inspect.Parameter
        params = [P("request", P.POSITIONAL_OR_KEYWORD)]
        params += [P(name, P.KEYWORD_ONLY, annotation=str) for name in path_names]
        if self.body is not None:
            params.append(P("payload", P.KEYWORD_ONLY, annotation=self.body))
        params += [P(name, P.KEYWORD_ONLY, default=None, annotation=kind) for name, kind in self.query.items()]
        view.__name__ = view.__qualname__ = f"{res.sdk}_{self.op}"
        view.__signature__ = inspect.Signature(params)
        router.add_api_operation(
            route, [verb], view, response={200: self.response} if self.response else {204: None},
            operation_id=self.operation_id(res), tags=[res.tag or res.sdk], summary=self.summary,
            description=self.description or None,
        )  # fmt: skip


@dataclass
class Resource:
    object_type: str  # "Product" (NotFound Data.ObjectType)
    sdk: str  # "Products" (operation IDs: Products.List ...)
    model: type[models.Model]
    schema: type[BaseModel]
    path: str  # collection path under /v1, e.g. "/buyers/{buyerID}/users"
    id_param: str  # "userID"
    read_roles: tuple[str, ...]
    write_roles: tuple[str, ...]
    required: tuple[str, ...] = ()
    readonly: tuple[str, ...] = ()
    write_only: tuple[str, ...] = ()
    parent: Parent | None = None
    scope: dict[str, Any] = field(default_factory=dict)  # fixed column values (CoreUser.kind)
    search_fields: tuple[str, ...] = ("ID", "Name")
    computed: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    batch: Callable[[list], dict] | None = None  # rows -> {pk: {field: value}} (avoids N+1)
    before_save: Callable[..., None] | None = None  # (caller, obj, data, creating)
    after_delete: Callable[..., None] | None = None  # (caller, obj)
    generate_id: Callable[[], str] = new_id
    # The create response only: its schema and the values it adds (ApiClients.CreateSecret shows
    # the generated secret once). Webhooks get the response without them.
    create_schema: type[BaseModel] | None = None
    created_extra: Callable[[Any], dict] | None = None
    id_unique_in_environment: bool = False  # API client IDs: the token endpoint looks them up by ID
    references: tuple[Ref, ...] = ()  # where other tables hold this resource's ID (see Ref)
    # List query parameters that are not filters (Products.List's catalogID, ...): `narrow` gets
    # (caller, queryset, {param: value} of the ones given, path_params) and returns the narrowed
    # queryset.
    list_query: tuple[str, ...] = ()
    narrow: Callable[..., models.QuerySet] | None = None
    supplier_access: SupplierAccess | None = None
    tag: str = ""
    operations: tuple[Operation, ...] = ()  # writes besides the generated ones (see Operation)

    def __post_init__(self):
        assert bool(self.list_query) == bool(self.narrow), "list_query and narrow go together"
        concrete = {f.name: f for f in self.model._meta.concrete_fields}
        self.field_names = list(self.schema.model_fields)
        self.columns: dict[str, str] = {}
        for name in self.field_names:
            column = column_for(name)
            if column in concrete and name not in self.write_only:
                self.columns[name] = column
        self.list_spec = ListSpec(
            model=self.model,
            columns={
                n: c
                for n, c in self.columns.items()
                if not isinstance(concrete[c], models.JSONField)
            },
            search_fields=tuple(n for n in self.search_fields if n in self.columns),
            xp_column="xp" if "xp" in concrete else None,
            extra_params=frozenset(self.list_query),
        )
        self.writable = [
            n for n in self.field_names if n in self.columns and n not in self.readonly and n not in self.computed
        ]
        if "Password" in self.write_only:
            self.writable.append("Password")
        self.item_route = f"v1{self.path}/{{{self.id_param}}}"
        self.collection_route = f"v1{self.path}"

    # --- reading ------------------------------------------------------------------------------

    @property
    def _whole_table_scope(self) -> bool:
        """The queryset is all of the marketplace's rows of the table (no parent, no fixed
        column values, no subclass narrowing it): its size is the table's RowCount."""
        return not self.parent and not self.scope and type(self).queryset is Resource.queryset

    def supplier_of(self, caller) -> str | None:
        """The caller's supplier ID when a supplier user works on this resource, else None."""
        if self.supplier_access is not None and caller.claims.user_type == "supplier":
            return caller.claims.company_id
        return None

    def _rows(self, caller, path_params: dict, *, lock: bool = False) -> models.QuerySet:
        """Every row of the marketplace (and parent) this resource covers, whoever the caller: what
        an ID must be unique among. A parent the caller cannot see is not found. `lock` (writing a
        child: create, replace, patch): the parent is kept until commit (exists_locked), so its
        DELETE (or new ID) waits for the write and then takes the child with it, or was first and
        the parent is not found; checked with a plain exists(), a child inserted after the parent's
        DELETE committed outlived it (a 201, a user of a deleted buyer, no foreign key to refuse
        it). The parent is locked before the child's row, the order its DELETE takes them in."""
        qs = self.model.objects.filter(marketplace_id=caller.marketplace_pk, **self.scope)
        if self.parent:
            parent_id = path_params[self.parent.param]
            parents = self.parent.model.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=parent_id)
            supplier = self.supplier_of(caller)
            if supplier and self.supplier_access.owner_column is None:
                parents = parents.filter(**{self.supplier_access.parent_owner_column: supplier})
            if not (exists_locked(parents) if lock else parents.exists()):
                raise CoreObjectNotFound(self.parent.object_type, parent_id)
            qs = qs.filter(**{self.parent.column: parent_id})
        return qs

    def queryset(self, caller, path_params: dict, *, lock: bool = False) -> models.QuerySet:
        """The rows the caller can see (`lock`: the parent is locked, see _rows)."""
        qs = self._rows(caller, path_params, lock=lock)
        supplier = self.supplier_of(caller)
        if supplier and self.supplier_access.own_row:
            return qs.filter(oc_id=supplier)
        if supplier and self.supplier_access.owner_column:
            visible = models.Q(**{self.supplier_access.owner_column: supplier})
            if self.supplier_access.readable:
                visible |= self.supplier_access.readable(caller.marketplace_pk, supplier)
            qs = qs.filter(visible)
        return qs

    def _check_owner(self, caller, obj) -> None:
        """Before changing a row: a supplier user changes only what its supplier owns."""
        supplier = self.supplier_of(caller)
        column = self.supplier_access.owner_column if supplier else None
        if column and getattr(obj, column) != supplier:
            raise InsufficientRoles(self.write_roles, message=MSG_NOT_OWNER.format(object_type=self.object_type))

    def _refuse_supplier_row_change(self, caller, *, object_id: str | None = None, new_id: str | None = None) -> None:
        """A supplier user neither creates nor deletes suppliers, nor changes its own one's ID
        (`object_id` None: creating or deleting)."""
        if not (self.supplier_of(caller) and self.supplier_access.own_row):
            return
        if object_id is None:
            raise InsufficientRoles(self.write_roles, message=MSG_SUPPLIER_ROW.format(object_type=self.object_type))
        if new_id and new_id != object_id:
            raise InvalidRequest(MSG_SUPPLIER_ID_FIXED, data={"Field": "ID", "Value": new_id})

    def _own(self, caller, obj, data: dict) -> None:
        """After applying a supplier user's write: the row is (still) owned by its supplier."""
        supplier = self.supplier_of(caller)
        column = self.supplier_access.owner_column if supplier else None
        if not column:
            return
        given = data.get(self.supplier_access.owner)
        if given and given != supplier:
            raise InvalidRequest(
                MSG_OWNER_IS_YOUR_SUPPLIER.format(supplier=supplier), data={"Field": self.supplier_access.owner, "Value": given}
            )
        setattr(obj, column, supplier)

    def get_object(self, caller, path_params: dict, object_id: str, *, lock: bool = False):
        """The object, or NotFound. `lock` (inside a transaction, before changing it): the row is
        locked until commit, so a concurrent DELETE waits, or has already removed it (NotFound):
        saving a copy read before a DELETE would INSERT the deleted object again. Its parent is
        locked too (see _rows)."""
        qs = self.queryset(caller, path_params, lock=lock).filter(oc_id=object_id)
        obj = (qs.select_for_update(of=("self",)) if lock else qs).first()
        if obj is None:
            raise CoreObjectNotFound(self.object_type, object_id)
        return obj

    def serialize(self, obj, extra: dict | None = None) -> dict:
        out: dict[str, Any] = {}
        for name in self.field_names:
            if name in self.write_only:
                continue
            if extra and name in extra:
                out[name] = extra[name]
            elif name in self.computed:
                out[name] = self.computed[name](obj)
            elif name in self.columns:
                value = getattr(obj, self.columns[name])
                out[name] = None if value == "" and name != "ID" and name != "Name" else value
            else:
                out[name] = None
        return out

    def serialize_many(self, rows: list) -> list[dict]:
        extras = self.batch(rows) if self.batch and rows else {}
        return [self.serialize(row, extras.get(row.pk)) for row in rows]

    def list(self, caller, request, path_params: dict) -> dict:
        qs = self.queryset(caller, path_params)
        params = list_params_parse(request, self.list_spec)
        narrowed = {name: value for name in self.list_query if (value := request.GET.get(name))}
        if narrowed:
            qs = self.narrow(caller, qs, narrowed, path_params)
        qs = apply_filters(qs, self.list_spec, params)
        total = None
        whole_table = not narrowed and not self.supplier_of(caller) and self._whole_table_scope
        if whole_table and is_unfiltered(params) and rowcounts.counted(self.model):
            total = rowcounts.marketplace_row_count(self.model, marketplace_pk=caller.marketplace_pk)
        rows, meta = page_slice(qs, params, total=total)
        return {"Items": self.serialize_many(rows), "Meta": meta}

    # --- writing ------------------------------------------------------------------------------

    def _apply(self, obj, data: dict, *, replace: bool) -> None:
        concrete = {f.name: f for f in self.model._meta.concrete_fields}
        for name in self.writable:
            if name == "ID" or name == "Password":
                continue
            column = self.columns[name]
            model_field = concrete[column]
            if name not in data:
                if not replace:
                    continue
                value = None
            else:
                value = data[name]
            if value is None:
                value = model_field.get_default() if not model_field.null else None
            elif not replace and isinstance(model_field, models.JSONField) and isinstance(value, dict):
                value = deep_merge(getattr(obj, column) or {}, value)
            if name == "xp" and value is not None:
                _xp_size_check(value)
            if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
                value = _aware_datetime(name, value)
            if isinstance(model_field, (models.CharField, models.TextField)) and isinstance(value, str):
                if model_field.max_length and len(value) > model_field.max_length:
                    raise InvalidRequest(
                        f"{name} must be at most {model_field.max_length} characters.", data={"Field": name}
                    )
            setattr(obj, column, value)

    def _check_required(self, data: dict, *, partial: bool) -> None:
        for name in self.required:
            if partial and name not in data:
                continue
            if data.get(name) in (None, ""):
                raise InvalidRequest(MSG_REQUIRED.format(field=name), data={"Field": name})

    def _id_taken(self, caller, path_params: dict, object_id: str, exclude_pk=None) -> bool:
        if self.id_unique_in_environment:
            _lock_id_in_environment(self.model, caller.environment, object_id)
            qs = self.model.objects.filter(marketplace__environment=caller.environment, oc_id=object_id)
        else:
            qs = self._rows(caller, path_params).filter(oc_id=object_id)
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
        return qs.exists()

    def _save(self, caller, obj, data: dict, *, creating: bool) -> None:
        if self.before_save:
            self.before_save(caller, obj, data, creating)
        try:
            obj.full_clean(exclude=["marketplace"], validate_unique=False, validate_constraints=False)
            column_errors = {}
        except DjangoValidationError as exc:
            column_errors = exc.message_dict
        column_errors = {**_int32_errors(obj), **column_errors}
        if column_errors:
            # the model's column names as the API names them (quantity_multiplier -> QuantityMultiplier)
            sdk_names = {column: name for name, column in self.columns.items()}
            errors = {sdk_names.get(k, k): v for k, v in column_errors.items()}
            raise InvalidRequest("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), data=errors) from None
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise _WriteConflict(MSG_ID_EXISTS, data={"ObjectType": self.object_type, "ObjectID": obj.oc_id}) from None

    def _save_new(self, caller, path_params: dict, obj, data: dict) -> None:
        """Save a new object (create, or a PUT that found none). A check of before_save that finds
        a unique value taken (the username) may have met the concurrent create of this very
        object, committed since this one's ID check: when the ID is taken now, that is a write
        conflict, and the second run replaces the object (PUT: 200), or says its ID is taken (POST),
        instead of a 409 UsernameMustBeUnique for the object a PUT was asked to replace."""
        try:
            self._save(caller, obj, data, creating=True)
        except _WriteConflict:
            raise
        except IdExists as exc:
            if self._id_taken(caller, path_params, obj.oc_id):
                raise _WriteConflict(exc.message, code=exc.code, data=exc.data) from None
            raise

    def _follow_new_id(self, caller, obj, old_id: str) -> None:
        """After a committed-to-be ID change: point every reference at the new ID (same transaction)."""
        parent_id = getattr(obj, self.parent.column) if self.parent else None
        for ref in self.references:
            if ref.update is not None:
                ref.update(caller.marketplace_pk, parent_id, old_id, obj.oc_id)
                continue
            match = {"marketplace_id": caller.marketplace_pk, ref.column: old_id, **dict(ref.scope)}
            if ref.parent_column:
                match[ref.parent_column] = parent_id
            ref.model.objects.filter(**match).update(**{ref.column: obj.oc_id})

    def _new(self, caller, path_params: dict):
        obj = self.model(marketplace_id=caller.marketplace_pk, **self.scope)
        if self.parent:
            setattr(obj, self.parent.column, path_params[self.parent.param])
        return obj

    @_retried_on_conflict
    @transaction.atomic
    def create(self, caller, path_params: dict, data: dict):
        self._refuse_supplier_row_change(caller)
        self.queryset(caller, path_params, lock=True)  # parent must exist, and stay until commit
        self._check_required(data, partial=False)
        object_id = data.get("ID") if "ID" not in self.readonly else None
        object_id = id_validate(object_id) if object_id else self.generate_id()
        if self._id_taken(caller, path_params, object_id):
            raise IdExists(MSG_ID_EXISTS, data={"ObjectType": self.object_type, "ObjectID": object_id})
        obj = self._new(caller, path_params)
        obj.oc_id = object_id
        self._apply(obj, data, replace=True)
        self._own(caller, obj, data)
        self._save_new(caller, path_params, obj, data)
        return obj

    @_retried_on_conflict
    @transaction.atomic
    def save(self, caller, path_params: dict, object_id: str, data: dict):
        """PUT: replace the object (every writable field), or create it with this ID."""
        self._check_required(data, partial=False)
        id_validate(object_id)
        if self.id_unique_in_environment:  # a concurrent PUT of this new ID waits, then replaces it
            _lock_id_in_environment(self.model, caller.environment, object_id)
        existing = self.queryset(caller, path_params, lock=True).filter(oc_id=object_id).select_for_update().first()
        new_object_id = data.get("ID") if "ID" not in self.readonly else None
        new_object_id = id_validate(new_object_id) if new_object_id else object_id
        if existing is None:
            self._refuse_supplier_row_change(caller)
            if self._id_taken(caller, path_params, new_object_id):
                # taken elsewhere (another parent, supplier, marketplace): IdExists; or created by a
                # concurrent PUT since the lookup above: the second run replaces it
                raise _WriteConflict(MSG_ID_EXISTS, data={"ObjectType": self.object_type, "ObjectID": new_object_id})
            obj = self._new(caller, path_params)
            obj.oc_id = new_object_id
            self._apply(obj, data, replace=True)
            self._own(caller, obj, data)
            self._save_new(caller, path_params, obj, data)
            return obj, True
        self._check_owner(caller, existing)
        self._refuse_supplier_row_change(caller, object_id=object_id, new_id=new_object_id)
        if new_object_id != object_id and self._id_taken(caller, path_params, new_object_id, existing.pk):
            raise IdExists(MSG_ID_EXISTS, data={"ObjectType": self.object_type, "ObjectID": new_object_id})
        old_id, existing.oc_id = existing.oc_id, new_object_id
        self._apply(existing, data, replace=True)
        self._own(caller, existing, data)
        self._save(caller, existing, data, creating=False)
        if existing.oc_id != old_id:
            self._follow_new_id(caller, existing, old_id)
        return existing, False

    @_retried_on_conflict
    @transaction.atomic
    def patch(self, caller, path_params: dict, object_id: str, data: dict):
        self._check_required(data, partial=True)
        obj = self.get_object(caller, path_params, object_id, lock=True)
        self._check_owner(caller, obj)
        old_id = obj.oc_id
        new_object_id = data.get("ID") if "ID" not in self.readonly else None
        self._refuse_supplier_row_change(caller, object_id=object_id, new_id=new_object_id)
        if new_object_id and new_object_id != object_id:
            id_validate(new_object_id)
            if self._id_taken(caller, path_params, new_object_id, obj.pk):
                raise IdExists(MSG_ID_EXISTS, data={"ObjectType": self.object_type, "ObjectID": new_object_id})
            obj.oc_id = new_object_id
        self._apply(obj, data, replace=False)
        self._own(caller, obj, data)
        self._save(caller, obj, data, creating=False)
        if obj.oc_id != old_id:
            self._follow_new_id(caller, obj, old_id)
        return obj

    @transaction.atomic
    def delete(self, caller, path_params: dict, object_id: str) -> None:
        obj = self.get_object(caller, path_params, object_id)
        self._check_owner(caller, obj)
        self._refuse_supplier_row_change(caller)
        obj.delete()
        if self.after_delete:
            self.after_delete(caller, obj)


def _aware_datetime(name: str, value: str) -> datetime:
    """A date-time field as sent (ISO 8601): without a UTC offset it is UTC, as OrderCloud reads it."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        parsed = datetime(day.year, day.month, day.day) if day else None
    if parsed is None:
        raise InvalidRequest(f"{name} must be a date and time (ISO 8601).", data={"Field": name, "Value": value})
    return parsed.astimezone(dt_timezone.utc) if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt_timezone.utc)


MSG_CHOICE = "{name} must be one of: {choices}."


def _blank(column: str, columns: set[str]) -> models.Q:
    return models.Q(**{column: ""}) if column in columns else models.Q()


# An assignment's level: to a company (buyer, supplier, or the marketplace itself), to a user
# group, or to a user. Each gets the model's column names.
ASSIGNMENT_LEVELS: dict[str, Callable[[set[str]], models.Q]] = {
    "Company": lambda cols: _blank("user_group_id", cols) & _blank("user_id", cols),
    "Group": lambda cols: ~models.Q(user_group_id=""),
    "User": lambda cols: ~models.Q(user_id=""),
}
# A security profile assignment's commerce role: the party it was given to.
COMMERCE_ROLES: dict[str, Callable[[set[str]], models.Q]] = {
    "Buyer": lambda cols: ~models.Q(buyer_id=""),
    "Seller": lambda cols: models.Q(buyer_id="", supplier_id=""),
    "Supplier": lambda cols: ~models.Q(supplier_id=""),
}


@dataclass
class AssignmentDelete:
    op: str  # "DeleteBuyerAssignment"
    path: str  # under /v1, e.g. "/buyers/{buyerID}/ApiClients/Assignments/{apiClientID}"
    path_columns: dict[str, str]  # path param -> column
    query_columns: dict[str, str] = field(default_factory=dict)  # query param -> column (missing = "")
    # query params the SDK documents for a level this table has none of (`userID` where assignments
    # are to a buyer or user group only): given, they name no assignment, and nothing is deleted
    no_such_level: tuple[str, ...] = ()


@dataclass
class Assignment:
    """An assignment table: `GET {path}` lists, `POST {path}` upserts (204), deletes as declared."""

    sdk: str  # "ApiClients"
    list_op: str  # "ListAssignments"
    save_op: str  # "SaveAssignment"
    model: type[models.Model]
    schema: type[BaseModel]
    path: str  # "/apiclients/assignments"
    read_roles: tuple[str, ...]
    write_roles: tuple[str, ...]
    keys: tuple[str, ...]  # SDK names that identify one assignment
    required: tuple[str, ...]
    list_params: dict[str, str] = field(default_factory=dict)  # query param -> column
    # boolean query param -> boolean column (Addresses.ListAssignments' isShipping): true or false
    bool_params: dict[str, str] = field(default_factory=dict)
    refs: dict[str, tuple[type[models.Model], str]] = field(default_factory=dict)  # SDK name -> (model, type)
    parent: Parent | None = None
    deletes: list[AssignmentDelete] = field(default_factory=list)
    validate: Callable[[dict], None] | None = None
    # (caller, path_params, data): checks needing the parent, run after the refs; what they find
    # they lock (exists_locked)
    check: Callable[..., None] | None = None
    # The list's `level` values (the SDK's "Possible values"), from: Company, Group, User.
    levels: tuple[str, ...] = ()
    commerce_roles: bool = False  # the list takes `commerceRole` (Buyer, Seller, Supplier)
    readonly: tuple[str, ...] = ()  # SDK names filled by `enrich`, never stored
    # keys naming a seller (SellerID): the marketplace's own ID means the marketplace, as none does,
    # and is stored as none (""), so the two are one assignment (saved, listed and deleted alike)
    seller_keys: tuple[str, ...] = ()
    enrich: Callable[[int, list[dict]], None] | None = None  # (marketplace pk, serialized items)
    search_fields: tuple[str, ...] = ()  # the list's `searchOn` fields, where the SDK has them
    # supplier users too, for the parents their supplier owns (the parent's `parent_owner_column`:
    # a supplier's own `oc_id`); any other parent is not found. Only `owner=None` is meaningful here.
    supplier_access: SupplierAccess | None = None
    tag: str = ""

    def __post_init__(self):
        assert set(self.levels) <= set(ASSIGNMENT_LEVELS), self.levels
        assert self.supplier_access is None or (self.parent and self.supplier_access.owner is None)
        self.field_names = list(self.schema.model_fields)
        self.columns = {n: column_for(n) for n in self.field_names if n not in self.readonly}
        self.list_spec = ListSpec(
            model=self.model,
            columns={n: c for n, c in self.columns.items()},
            search_fields=self.search_fields,
            xp_column=None,
            default_order=("pk",),
            extra_params=frozenset(self.list_params) | frozenset(self.bool_params) | frozenset(self.query_params),
        )
        self.route = f"v1{self.path}"

    @property
    def query_params(self) -> tuple[str, ...]:
        """The list's query parameters besides list_params and the paging ones."""
        return (*(("level",) if self.levels else ()), *(("commerceRole",) if self.commerce_roles else ()))

    def _narrow(self, qs, name: str, value: str, choices: dict[str, Callable[[set[str]], models.Q]]):
        if value not in choices:
            raise InvalidRequest(
                MSG_CHOICE.format(name=name, choices=", ".join(choices)), data={"Field": name, "Value": value}
            )
        return qs.filter(choices[value]({f.name for f in self.model._meta.concrete_fields}))

    def queryset(self, caller, path_params: dict, *, lock: bool = False):
        """The marketplace's (and parent's) assignments; `lock` (saving one): the parent is kept
        until commit (exists_locked)."""
        qs = self.model.objects.filter(marketplace_id=caller.marketplace_pk)
        if self.parent:
            parent_id = path_params[self.parent.param]
            parents = self.parent.model.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=parent_id)
            if self.supplier_access is not None and caller.claims.user_type == "supplier":
                parents = parents.filter(**{self.supplier_access.parent_owner_column: caller.claims.company_id})
            if not (exists_locked(parents) if lock else parents.exists()):
                raise CoreObjectNotFound(self.parent.object_type, parent_id)
            qs = qs.filter(**{self.parent.column: parent_id})
        return qs

    def serialize(self, obj) -> dict:
        out = {}
        for name in self.field_names:
            value = getattr(obj, self.columns[name]) if name in self.columns else None
            out[name] = None if value == "" else value  # blank IDs are null; 0 and False stay
        return out

    def list(self, caller, request, path_params: dict) -> dict:
        qs = self.queryset(caller, path_params)
        for param, column in self.list_params.items():
            value = request.GET.get(param)
            if value:
                qs = qs.filter(**{column: value})
        for param, column in self.bool_params.items():
            value = request.GET.get(param)
            if value:  # checked by the route (OCBool): true or false in any letter case
                qs = qs.filter(**{column: value.lower() == "true"})
        if self.levels and (level := request.GET.get("level")):
            qs = self._narrow(qs, "level", level, {k: ASSIGNMENT_LEVELS[k] for k in self.levels})
        if self.commerce_roles and (role := request.GET.get("commerceRole")):
            qs = self._narrow(qs, "commerceRole", role, COMMERCE_ROLES)
        params = list_params_parse(request, self.list_spec)
        qs = apply_filters(qs, self.list_spec, params)
        rows, meta = page_slice(qs, params)
        items = [self.serialize(r) for r in rows]
        if self.enrich and items:
            self.enrich(caller.marketplace_pk, items)
        return {"Items": items, "Meta": meta}

    @transaction.atomic
    def save(self, caller, path_params: dict, data: dict) -> dict:
        for name in self.required:
            if data.get(name) in (None, ""):  # False and 0 are values (BundleProductAssignment.Required)
                raise InvalidRequest(MSG_REQUIRED.format(field=name), data={"Field": name})
        if self.validate:
            self.validate(data)
        # What the assignment names exists and stays until it is saved (exists_locked): checked
        # and deleted at once, the assignment was saved after the DELETE had removed the object's
        # assignments, and outlived it. The parties (parent, refs: buyer, supplier) are locked
        # before what `check` finds in them (user groups, users), as a buyer's DELETE does (the
        # buyer, then its users and groups): one order, no deadlock.
        qs = self.queryset(caller, path_params, lock=True)
        for name in self.seller_keys:
            if data.get(name) == caller.marketplace_id:
                data = {**data, name: None}
        for name, (model, object_type) in self.refs.items():
            value = data.get(name)
            if value and not exists_locked(model.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=value)):
                raise CoreObjectNotFound(object_type, value)
        if self.check:
            self.check(caller, path_params, data)
        key = {self.columns[k]: data.get(k) or "" for k in self.keys}
        if self.parent:
            key[self.parent.column] = path_params[self.parent.param]
        values = {
            self.columns[n]: data[n]
            for n in self.field_names
            if n in self.columns and n not in self.keys and data.get(n) is not None
        }
        self._check_columns({**key, **values})
        # An upsert: the same assignment saved twice at once (a double click) is one row, and the
        # second save updates it (update_or_create retries the lookup when its insert loses the race
        # on the unique constraint) instead of failing with an IntegrityError.
        obj, _created = qs.update_or_create(marketplace_id=caller.marketplace_pk, **key, defaults=values)
        saved = self.serialize(obj)
        if self.enrich:
            self.enrich(caller.marketplace_pk, [saved])
        return saved

    def _check_columns(self, values: dict[str, Any]) -> None:
        """What the columns hold (a text's length, an integer's range: PostgreSQL's integer is 32
        bits): a 400 naming the field, not the database's DataError (a 500)."""
        names = {column: name for name, column in self.columns.items()}
        for column, value in values.items():
            if value in ("", None):
                continue
            model_field = self.model._meta.get_field(column)
            name = names.get(column, column)
            try:
                value = model_field.to_python(value)
                model_field.run_validators(value)
            except DjangoValidationError as exc:
                raise InvalidRequest(f"{name}: {' '.join(exc.messages)}", data={"Field": name}) from None
            # the same range on every database (SQLite's integers have 64 bits; OrderCloud's are Int32)
            if type(model_field) in (models.IntegerField, models.PositiveIntegerField) and not INT32_MIN <= value <= INT32_MAX:
                raise InvalidRequest(
                    f"{name}: Ensure this value is between {INT32_MIN} and {INT32_MAX}.", data={"Field": name}
                )

    @transaction.atomic
    def delete(self, caller, spec: AssignmentDelete, path_params: dict, query: dict) -> int:
        qs = self.queryset(caller, path_params)
        if any(query.get(param) for param in spec.no_such_level):
            return 0  # it was ignored: ?userID=u deleted the buyer's own assignment
        cond = {column: path_params[param] for param, column in spec.path_columns.items()}
        seller_columns = {self.columns[name] for name in self.seller_keys}
        for param, column in spec.query_columns.items():
            value = query.get(param) or ""
            cond[column] = "" if column in seller_columns and value == caller.marketplace_id else value
        deleted, _ = qs.filter(**cond).delete()
        return deleted
