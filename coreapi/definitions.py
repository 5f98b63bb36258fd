"""Every resource and assignment of the core API, declared once (paths, roles, fields from the SDK)."""

import base64
import operator
import secrets
from dataclasses import replace
from datetime import UTC
from datetime import timezone as dt_timezone
from functools import reduce
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count, F, Q, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from coreapi import models as m
from coreapi import passwords
from coreapi import schemas as s
from coreapi.category_tree import category_tree, levels_shown
from coreapi.errors import MSG_ID_EXISTS, MSG_USERNAME_EXISTS, CoreObjectNotFound, IdExists, InvalidRequest
from coreapi.price_schedules import PriceScheduleResource, price_schedule_before_save
from coreapi.querying import apply_filters, list_params_parse, page_slice
from coreapi.resources import (
    INT32_MAX,
    INT32_MIN,
    Assignment,
    AssignmentDelete,
    Parent,
    Ref,
    Resource,
    SupplierAccess,
    advisory_lock,
    exists_locked,
    new_client_id,
)
from coreapi.roles import ROLE_SET
from coreapi.selectors import user_available_roles
from coreapi.services import api_client_tokens_revoke, client_secret_hash, users_tokens_revoke

USER_FIELDS_SEARCH = ("ID", "Username", "LastName", "FirstName", "Email")


# --- hooks ------------------------------------------------------------------------------------


def _roles_validate(data: dict, *names: str) -> None:
    for name in names:
        for role in data.get(name) or []:
            if role not in ROLE_SET:
                raise InvalidRequest(f"{name}: {role!r} is not an ApiRole.", data={"Field": name, "Value": role})


def _newly_set(obj, *columns: str) -> set[str]:
    """The values of these columns that the write sets: all of them for a new object, else those
    that differ from what is stored. A reference checked on every write made the object
    unchangeable once what it names was deleted (a product whose price schedule is gone could
    not be renamed: 404 PriceSchedule); only what a write sets is checked."""
    values = {column: getattr(obj, column) for column in columns if getattr(obj, column) not in ("", None)}
    if values and not obj._state.adding:
        stored = type(obj).objects.filter(pk=obj.pk).values(*values).first() or {}
        values = {column: value for column, value in values.items() if stored.get(column) != value}
    return set(values.values())


def _api_client_before_save(caller, obj, data, creating):
    _roles_validate(data, "MinimumRequiredRoles", "MaximumGrantedRoles")
    for name in ("OrderCheckoutIntegrationEventID", "OrderReturnIntegrationEventID", "AddToCartIntegrationEventID"):
        for value in _newly_set(obj, _col(name)):
            if not m.IntegrationEvent.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=value).exists():
                raise CoreObjectNotFound("IntegrationEvent", value)


def _col(name: str) -> str:
    from coreapi.resources import column_for

    return column_for(name)


def _api_client_batch(rows):
    mp = rows[0].marketplace_id
    ids = [r.oc_id for r in rows]
    buyers = dict(
        m.ApiClientAssignment.objects.filter(marketplace_id=mp, api_client_id__in=ids)
        .exclude(buyer_id="")
        .values("api_client_id")
        .annotate(n=Count("pk"))
        .values_list("api_client_id", "n")
    )
    suppliers = dict(
        m.ApiClientAssignment.objects.filter(marketplace_id=mp, api_client_id__in=ids)
        .exclude(supplier_id="")
        .values("api_client_id")
        .annotate(n=Count("pk"))
        .values_list("api_client_id", "n")
    )
    event_ids = {
        getattr(r, c)
        for r in rows
        for c in ("order_checkout_integration_event_id", "order_return_integration_event_id", "add_to_cart_integration_event_id")
    } - {""}
    names = dict(
        m.IntegrationEvent.objects.filter(marketplace_id=mp, oc_id__in=event_ids).values_list("oc_id", "name")
    )
    return {
        r.pk: {
            "AssignedBuyerCount": buyers.get(r.oc_id, 0),
            "AssignedSupplierCount": suppliers.get(r.oc_id, 0),
            "OrderCheckoutIntegrationEventName": names.get(r.order_checkout_integration_event_id),
            "OrderReturnIntegrationEventName": names.get(r.order_return_integration_event_id),
            "AddToCartIntegrationEventName": names.get(r.add_to_cart_integration_event_id),
        }
        for r in rows
    }


def _impersonation_configs_forget(caller, *named: Q) -> None:
    """ImpersonationConfigs that name an object being deleted go with it. Creating one needs every
    object it names (404 otherwise); one left behind would apply again to whatever is created next
    under that ID (a new user group "support" inheriting an old grant to impersonate)."""
    m.ImpersonationConfig.objects.filter(reduce(operator.or_, named), marketplace_id=caller.marketplace_pk).delete()


def _api_client_after_delete(caller, obj):
    m.ApiClientAssignment.objects.filter(marketplace_id=caller.marketplace_pk, api_client_id=obj.oc_id).delete()
    _impersonation_configs_forget(caller, Q(client_id=obj.oc_id))
    m.ApiClientSecret.objects.filter(marketplace_id=caller.marketplace_pk, api_client_id=obj.oc_id).delete()
    api_client_tokens_revoke(marketplace_pk=caller.marketplace_pk, environment=caller.environment,
                             marketplace_id=caller.marketplace_id, client_id=obj.oc_id)


MSG_TOO_MANY_SECRETS = "An API client can have at most {limit} secrets. Delete one first."
MSG_EXPIRATION_PAST = "Expiration must be in the future (a secret that has already expired could never be used)."


def _api_client_secret_before_save(caller, obj, data, creating):
    """Create: at most SECRETS_PER_CLIENT per client (counted under a lock on the client row, so
    concurrent creates cannot pass it together), an Expiration in the future, and the secret
    itself: 64 random bytes, Base-64, returned once (created_extra) and stored as its SHA-256.
    Patch may set any Expiration: one in the past ends the secret now."""
    expiration = data.get("Expiration")
    if isinstance(expiration, str):
        parsed = parse_datetime(expiration)
        if parsed is None:
            raise InvalidRequest("Expiration must be a date-time.", data={"Field": "Expiration", "Value": expiration})
        obj.expiration = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt_timezone.utc)
    if not creating:
        return
    if obj.expiration is not None and obj.expiration <= timezone.now():
        raise InvalidRequest(MSG_EXPIRATION_PAST, data={"Field": "Expiration", "Value": expiration})
    # FOR NO KEY UPDATE: creating, the client is already held FOR KEY SHARE (the parent check,
    # Resource._rows), which FOR UPDATE would wait on in a concurrent create: a deadlock
    clients = m.ApiClient.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=obj.api_client_id)
    list(clients.select_for_update(no_key=True))
    limit = m.ApiClientSecret.SECRETS_PER_CLIENT
    if m.ApiClientSecret.objects.filter(marketplace_id=caller.marketplace_pk, api_client_id=obj.api_client_id).count() >= limit:
        raise InvalidRequest(MSG_TOO_MANY_SECRETS.format(limit=limit), data={"ApiClientID": obj.api_client_id})
    obj.plain_secret = base64.b64encode(secrets.token_bytes(64)).decode("ascii")
    obj.secret_hash = client_secret_hash(obj.plain_secret)


def _security_profile_before_save(caller, obj, data, creating):
    _roles_validate(data, "Roles")
    # a role listed twice is one role: ["MyRole", "MyRole"] is stored (and shown) once, first place kept
    obj.roles = list(dict.fromkeys(obj.roles or []))
    obj.custom_roles = list(dict.fromkeys(obj.custom_roles or []))


def _security_profile_after_delete(caller, obj):
    m.SecurityProfileAssignment.objects.filter(
        marketplace_id=caller.marketplace_pk, security_profile_id=obj.oc_id
    ).delete()
    _impersonation_configs_forget(caller, Q(security_profile_id=obj.oc_id))


def _user_before_save(caller, obj, data, creating):
    if m.CoreUser.objects.filter(marketplace_id=caller.marketplace_pk, username=obj.username).exclude(pk=obj.pk).exists():
        raise IdExists(MSG_USERNAME_EXISTS, code="UsernameMustBeUnique", data={"Username": obj.username})
    password = data.get("Password")
    if password:
        passwords.password_set(user=obj, password=password, by_self=not creating and _caller_is(caller, obj))


def _caller_is(caller, user) -> bool:
    """Whether the token is the user's own (Me.Patch, or its own user through the admin operations):
    it then changes its own password, which MinimumPasswordAge limits."""
    claims = caller.claims
    return bool(claims.user_id) and (claims.user_type, claims.company_id, claims.user_id) == (
        user.kind, user.company_id, user.oc_id
    )


def _user_company(obj):
    if obj.kind == m.UserKind.ADMIN:
        return obj.marketplace.marketplace_id
    return obj.company_id


def _user_batch(rows):
    mp = rows[0].marketplace_id
    company = rows[0].marketplace.marketplace_id if rows[0].kind == m.UserKind.ADMIN else None
    return {
        r.pk: {
            "AvailableRoles": user_available_roles(marketplace_pk=mp, user=r),
            "CompanyID": company or r.company_id,
            "Locale": None,
        }
        for r in rows
    }


def _user_after_delete(caller, obj):
    mp = caller.marketplace_pk
    if obj.kind in (m.UserKind.BUYER, m.UserKind.ADMIN):  # an admin user is named with no buyer
        buyer = obj.company_id if obj.kind == m.UserKind.BUYER else ""
        _impersonation_configs_forget(caller, Q(buyer_id=buyer, user_id=obj.oc_id),
                                      Q(impersonation_buyer_id=buyer, impersonation_user_id=obj.oc_id))
    if obj.kind == m.UserKind.BUYER:
        m.UserGroupAssignment.objects.filter(marketplace_id=mp, buyer_id=obj.company_id, user_id=obj.oc_id).delete()
        m.SecurityProfileAssignment.objects.filter(marketplace_id=mp, buyer_id=obj.company_id, user_id=obj.oc_id).delete()
        m.AddressAssignment.objects.filter(marketplace_id=mp, buyer_id=obj.company_id, user_id=obj.oc_id).delete()
        m.Address.objects.filter(marketplace_id=mp, buyer_id=obj.company_id, owner_user_id=obj.oc_id).delete()  # its own
    elif obj.kind == m.UserKind.SUPPLIER:
        m.SupplierUserGroupAssignment.objects.filter(marketplace_id=mp, supplier_id=obj.company_id, user_id=obj.oc_id).delete()
        m.SecurityProfileAssignment.objects.filter(
            marketplace_id=mp, supplier_id=obj.company_id, user_id=obj.oc_id
        ).delete()
    else:
        m.AdminUserGroupAssignment.objects.filter(marketplace_id=mp, user_id=obj.oc_id).delete()
        m.SecurityProfileAssignment.objects.filter(
            marketplace_id=mp, buyer_id="", supplier_id="", user_id=obj.oc_id
        ).delete()
    _tokens_revoke(caller, obj.kind, obj.company_id, [obj.oc_id])


def _tokens_revoke(caller, kind: str, company_id: str, user_ids: list[str]) -> None:
    """Deleted users' tokens, refresh and access, stop working (coreapi.models.TokenRevocation)."""
    users_tokens_revoke(
        marketplace_pk=caller.marketplace_pk, environment=caller.environment, marketplace_id=caller.marketplace_id,
        user_kind=kind, company_id=company_id, user_ids=user_ids,
    )


def _buyer_after_delete(caller, obj):
    mp = caller.marketplace_pk
    _impersonation_configs_forget(caller, Q(buyer_id=obj.oc_id), Q(impersonation_buyer_id=obj.oc_id))
    users = m.CoreUser.objects.filter(marketplace_id=mp, kind=m.UserKind.BUYER, company_id=obj.oc_id)
    _tokens_revoke(caller, m.UserKind.BUYER, obj.oc_id, list(users.values_list("oc_id", flat=True)))
    users.delete()
    m.UserGroup.objects.filter(marketplace_id=mp, buyer_id=obj.oc_id).delete()
    m.UserGroupAssignment.objects.filter(marketplace_id=mp, buyer_id=obj.oc_id).delete()
    for model in (m.ApiClientAssignment, m.SecurityProfileAssignment, m.CatalogAssignment, m.ProductAssignment,
                  m.CategoryAssignment, m.MessageSenderAssignment, m.BundleAssignment, m.Address, m.AddressAssignment):
        model.objects.filter(marketplace_id=mp, buyer_id=obj.oc_id).delete()


def _supplier_after_delete(caller, obj):
    mp = caller.marketplace_pk
    users = m.CoreUser.objects.filter(marketplace_id=mp, kind=m.UserKind.SUPPLIER, company_id=obj.oc_id)
    _tokens_revoke(caller, m.UserKind.SUPPLIER, obj.oc_id, list(users.values_list("oc_id", flat=True)))
    users.delete()
    for model in (m.ApiClientAssignment, m.SecurityProfileAssignment, m.MessageSenderAssignment, m.ProductSupplier,
                  m.SupplierUserGroup, m.SupplierUserGroupAssignment, m.Address):
        model.objects.filter(marketplace_id=mp, supplier_id=obj.oc_id).delete()
    for model in (m.ProductAssignment, m.BundleAssignment):  # the pricing and assignments it made as a seller
        model.objects.filter(marketplace_id=mp, seller_id=obj.oc_id).delete()


def _user_group_after_delete(caller, obj):
    mp = caller.marketplace_pk
    _impersonation_configs_forget(caller, Q(buyer_id=obj.buyer_id, group_id=obj.oc_id),
                                  Q(impersonation_buyer_id=obj.buyer_id, impersonation_group_id=obj.oc_id))
    m.UserGroupAssignment.objects.filter(marketplace_id=mp, buyer_id=obj.buyer_id, user_group_id=obj.oc_id).delete()
    m.SecurityProfileAssignment.objects.filter(
        marketplace_id=mp, buyer_id=obj.buyer_id, user_group_id=obj.oc_id
    ).delete()
    for model in (m.ProductAssignment, m.CategoryAssignment, m.MessageSenderAssignment, m.BundleAssignment,
                  m.AddressAssignment):
        model.objects.filter(marketplace_id=mp, buyer_id=obj.buyer_id, user_group_id=obj.oc_id).delete()


def _address_after_delete(caller, obj):
    """A buyer's address takes its assignments with it."""
    m.AddressAssignment.objects.filter(
        marketplace_id=caller.marketplace_pk, buyer_id=obj.buyer_id, address_id=obj.oc_id
    ).delete()


def _admin_user_group_after_delete(caller, obj):
    """Its members leave it, and the security profiles (and message senders) assigned to it stop
    giving them roles (and messages)."""
    mp = caller.marketplace_pk
    m.AdminUserGroupAssignment.objects.filter(marketplace_id=mp, user_group_id=obj.oc_id).delete()
    _impersonation_configs_forget(caller, Q(impersonation_buyer_id="", impersonation_group_id=obj.oc_id))
    for model in (m.SecurityProfileAssignment, m.MessageSenderAssignment):
        model.objects.filter(marketplace_id=mp, buyer_id="", supplier_id="", user_group_id=obj.oc_id).delete()


def _supplier_user_group_after_delete(caller, obj):
    mp = caller.marketplace_pk
    for model in (m.SupplierUserGroupAssignment, m.SecurityProfileAssignment, m.MessageSenderAssignment):
        model.objects.filter(marketplace_id=mp, supplier_id=obj.supplier_id, user_group_id=obj.oc_id).delete()


def _catalog_batch(rows):
    counts = dict(
        m.Category.objects.filter(marketplace_id=rows[0].marketplace_id, catalog_id__in=[r.oc_id for r in rows])
        .values("catalog_id")
        .annotate(n=Count("pk"))
        .values_list("catalog_id", "n")
    )
    return {r.pk: {"CategoryCount": counts.get(r.oc_id, 0)} for r in rows}


def _catalog_after_delete(caller, obj):
    mp = caller.marketplace_pk
    for model in (m.Category, m.CatalogAssignment, m.ProductCatalogAssignment, m.CategoryProductAssignment,
                  m.CategoryAssignment, m.BundleCatalogAssignment, m.CategoryBundleAssignment):
        model.objects.filter(marketplace_id=mp, catalog_id=obj.oc_id).delete()


def _category_batch(rows):
    counts = {
        (catalog_id, parent_id): n
        for catalog_id, parent_id, n in m.Category.objects.filter(
            marketplace_id=rows[0].marketplace_id,
            catalog_id__in={r.catalog_id for r in rows},
            parent_id__in=[r.oc_id for r in rows],
        )
        .values("catalog_id", "parent_id")
        .annotate(n=Count("pk"))
        .values_list("catalog_id", "parent_id", "n")
    }
    return {r.pk: {"ChildCount": counts.get((r.catalog_id, r.oc_id), 0)} for r in rows}


def _category_before_save(caller, obj, data, creating):
    if obj.parent_id:
        if obj.parent_id == obj.oc_id:
            raise InvalidRequest("A category cannot be its own parent.", data={"Field": "ParentID"})
        # the parent is kept until commit (exists_locked): a concurrent DELETE of it (or of a
        # category above it) waits, then finds this child and deletes it too (_category_after_delete)
        if not exists_locked(m.Category.objects.filter(
            marketplace_id=caller.marketplace_pk, catalog_id=obj.catalog_id, oc_id=obj.parent_id
        )):  # fmt: skip
            raise CoreObjectNotFound("Category", obj.parent_id)
        if not creating:
            _category_cycle_check(caller, obj)


MSG_CATEGORY_UNDER_ITSELF = "A category cannot be moved under one of its own subcategories ({parent})."


def _category_cycle_check(caller, obj) -> None:
    """A ParentID up whose chain the category itself comes again (one of its subcategories, at any
    depth) made a loop with no top: the category and everything under it vanished from every
    list (Categories.List, Me.ListCategories, the products in them) with a 200."""
    in_catalog = m.Category.objects.filter(marketplace_id=caller.marketplace_pk, catalog_id=obj.catalog_id)
    itself = {obj.oc_id, *in_catalog.filter(pk=obj.pk).values_list("oc_id", flat=True)}  # its ID before a change too
    ancestor, seen = obj.parent_id, set()
    while ancestor and ancestor not in seen:
        if ancestor in itself:
            raise InvalidRequest(MSG_CATEGORY_UNDER_ITSELF.format(parent=obj.parent_id),
                                 data={"Field": "ParentID", "Value": obj.parent_id})  # fmt: skip
        seen.add(ancestor)
        ancestor = in_catalog.filter(oc_id=ancestor).values_list("parent_id", flat=True).first()


def _category_after_delete(caller, obj):
    """A deleted category takes its descendants with it, at every depth (OrderCloud deletes the
    subtree), and the product, bundle and buyer / user group assignments of them all. Level by
    level: each level's DELETE waits for a concurrent create under it (which holds its parent,
    see _category_before_save), and the next level's query, a new statement, sees that child."""
    mp = caller.marketplace_pk
    in_catalog = m.Category.objects.filter(marketplace_id=mp, catalog_id=obj.catalog_id)
    deleted, level = {obj.oc_id}, [obj.oc_id]
    while level:
        children = [c for c in in_catalog.filter(parent_id__in=level).values_list("oc_id", flat=True) if c not in deleted]
        if children:
            in_catalog.filter(oc_id__in=children).delete()
            deleted.update(children)
        level = children
    for model in (m.CategoryProductAssignment, m.CategoryAssignment, m.CategoryBundleAssignment):
        model.objects.filter(marketplace_id=mp, catalog_id=obj.catalog_id, category_id__in=deleted).delete()


def _product_batch(rows):
    """SpecCount and VariantCount of a page of products: one query (two counts, UNION ALL)."""
    scope = {"marketplace_id": rows[0].marketplace_id, "product_id__in": [r.oc_id for r in rows]}

    def counted(model, kind: str):
        return (
            model.objects.filter(**scope).values("product_id")
            .annotate(kind=Value(kind), n=Count("pk")).values_list("product_id", "kind", "n")
        )  # fmt: skip

    counts = {(pid, kind): n for pid, kind, n in counted(m.SpecProductAssignment, "s").union(
        counted(m.Variant, "v"), all=True)}  # fmt: skip
    return {
        r.pk: {"SpecCount": counts.get((r.oc_id, "s"), 0), "VariantCount": counts.get((r.oc_id, "v"), 0)}
        for r in rows
    }


# The tables that refer to a product by its ID: they go with the product (and follow a new ID,
# see REFERENCES below).
PRODUCT_REFERENCES = (
    m.ProductAssignment,
    m.ProductCatalogAssignment,
    m.CategoryProductAssignment,
    m.SpecProductAssignment,
    m.Variant,
    m.ProductSupplier,
    m.BundleProductAssignment,
)


MSG_AT_LEAST_ONE = "{field} must be at least 1."
MSG_NOT_NEGATIVE = "{field} must not be negative."


def _product_values_check(data: dict) -> None:
    """QuantityMultiplier at least 1 and no negative ShipWeight / ShipHeight / ShipWidth / ShipLength,
    checked when the request sets them (a product stored before the check stays editable)."""
    multiplier = data.get("QuantityMultiplier")
    # beyond 32 bits the integer range check answers (as for every integer field)
    if multiplier is not None and INT32_MIN <= multiplier < 1:
        raise InvalidRequest(MSG_AT_LEAST_ONE.format(field="QuantityMultiplier"),
                             data={"Field": "QuantityMultiplier", "Value": multiplier})  # fmt: skip
    for name in ("ShipWeight", "ShipHeight", "ShipWidth", "ShipLength"):
        value = data.get(name)
        if value is not None and value < 0:
            raise InvalidRequest(MSG_NOT_NEGATIVE.format(field=name), data={"Field": name, "Value": value})


# OrderCloud's Inventory model, as every product shows it (the SDK's order); LastUpdated is the API's
INVENTORY_DEFAULTS = {
    "Enabled": False, "NotificationPoint": None, "VariantLevelTracking": False, "OrderCanExceed": False,
    "QuantityAvailable": None, "LastUpdated": None,
}  # fmt: skip


def api_time(value=None) -> str | None:
    """A date-time as the API shows every date: UTC, milliseconds, `Z` (`2024-05-01T09:30:00.123Z`);
    `value` a datetime or an ISO 8601 string (a stored one with microseconds), none: now."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
    value = (value or timezone.now()).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def product_inventory(stored) -> dict:
    """A product's Inventory in full: every field of OrderCloud's model, its default where unset."""
    stored = stored if isinstance(stored, dict) else {}
    inventory = {name: stored.get(name, default) for name, default in INVENTORY_DEFAULTS.items()}
    for name, default in INVENTORY_DEFAULTS.items():
        if default is False and inventory[name] is None:
            inventory[name] = False
    inventory["LastUpdated"] = api_time(inventory["LastUpdated"]) if inventory["LastUpdated"] else None
    return inventory


def _product_inventory_stamp(obj, data: dict, creating: bool) -> None:
    """Inventory is stored in full; its LastUpdated is read-only (what a request sends is ignored)
    and set to the time of any write that changes the Inventory (creating one with it, too)."""
    new = product_inventory(obj.inventory)
    stored = None if creating else type(obj).objects.filter(pk=obj.pk).values_list("inventory", flat=True).first()
    old = product_inventory(stored)
    new.pop("LastUpdated")
    last_updated = old.pop("LastUpdated")
    if new != old or (creating and data.get("Inventory") is not None):
        last_updated = api_time()
    obj.inventory = {**new, "LastUpdated": last_updated}


class ProductResource(Resource):
    """Products, each shown with its Inventory in full (product_inventory)."""

    def serialize(self, obj, extra: dict | None = None) -> dict:
        out = super().serialize(obj, extra)
        if "Inventory" in out:
            out["Inventory"] = product_inventory(out["Inventory"])
        return out


def _product_before_save(caller, obj, data, creating):
    _product_values_check(data)
    _product_inventory_stamp(obj, data, creating)
    # one the caller can see: a supplier user names its own supplier's price schedules only
    for schedule in _newly_set(obj, "default_price_schedule_id"):
        if not PRICE_SCHEDULES.queryset(caller, {}).filter(oc_id=schedule).exists():
            raise CoreObjectNotFound("PriceSchedule", schedule)
    # OwnerID (besides the marketplace itself) and DefaultSupplierID name suppliers that exist
    for supplier in _newly_set(obj, "owner_id", "default_supplier_id") - {caller.marketplace_id}:
        if not m.Supplier.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=supplier).exists():
            raise CoreObjectNotFound("Supplier", supplier)


def _product_after_delete(caller, obj):
    mp = caller.marketplace_pk
    for model in PRODUCT_REFERENCES:
        model.objects.filter(marketplace_id=mp, product_id=obj.oc_id).delete()


def _catalog_narrowing(*, in_catalog, in_category, id_column: str, by_supplier):
    """The `narrow` of Products.List and Bundles.List: `catalogID` keeps what is assigned to that
    catalog; `categoryID` what is assigned to that category (of that catalog, or of any catalog
    when no catalogID is given: category IDs are unique per catalog only); `supplierID` what that
    supplier owns or sells (`by_supplier(marketplace pk, supplier ID)`). A catalog, category or
    supplier that does not exist is 404, not an empty list."""

    def narrow(caller, qs, query: dict, path_params: dict):
        mp = caller.marketplace_pk
        catalog, category, supplier = query.get("catalogID"), query.get("categoryID"), query.get("supplierID")
        if catalog:
            if not m.Catalog.objects.filter(marketplace_id=mp, oc_id=catalog).exists():
                raise CoreObjectNotFound("Catalog", catalog)
            qs = qs.filter(oc_id__in=in_catalog.objects.filter(marketplace_id=mp, catalog_id=catalog).values(id_column))
        if category:
            assigned = in_category.objects.filter(marketplace_id=mp, category_id=category)
            categories = m.Category.objects.filter(marketplace_id=mp, oc_id=category)
            if not (categories.filter(catalog_id=catalog) if catalog else categories).exists():
                raise CoreObjectNotFound("Category", category)
            if catalog:
                assigned = assigned.filter(catalog_id=catalog)
            qs = qs.filter(oc_id__in=assigned.values(id_column))
        if supplier:
            if not m.Supplier.objects.filter(marketplace_id=mp, oc_id=supplier).exists():
                raise CoreObjectNotFound("Supplier", supplier)
            qs = qs.filter(by_supplier(mp, supplier))
        return qs

    return narrow


CATALOG_NARROWING = ("catalogID", "categoryID", "supplierID")


def _is_on_sale(obj) -> bool:
    now = timezone.now()
    if not (obj.sale_start or obj.sale_end):
        return False
    return (obj.sale_start is None or obj.sale_start <= now) and (obj.sale_end is None or now <= obj.sale_end)


def _spec_batch(rows):
    options: dict[str, list] = {}
    for option in m.SpecOption.objects.filter(
        marketplace_id=rows[0].marketplace_id, spec_id__in=[r.oc_id for r in rows]
    ).order_by("list_order", "oc_id"):
        options.setdefault(option.spec_id, []).append(SPEC_OPTIONS.serialize(option))
    return {r.pk: {"Options": options.get(r.oc_id, []), "OptionCount": len(options.get(r.oc_id, []))} for r in rows}


def _variants_built_on_delete(marketplace_pk: int, spec_id: str, option_id: str | None = None) -> None:
    """Delete the variants built on a spec's option (`option_id` None: on any option of the spec)
    being deleted: a variant never names an option that no longer exists. Its product keeps its
    other variants; Products.GenerateVariants makes the combinations of the options that remain."""
    rows = (
        m.Variant.objects.filter(marketplace_id=marketplace_pk)
        .annotate(specs_text=Cast("specs", TextField()))
        .filter(specs_text__contains=option_id or spec_id)  # a cheap pre-filter; the test below decides
        .only("pk", "specs")
    )
    doomed = [
        variant.pk for variant in rows
        if any(isinstance(sp, dict) and sp.get("SpecID") == spec_id and (option_id is None or sp.get("OptionID") == option_id)
               for sp in variant.specs or [])
    ]  # fmt: skip
    for start in range(0, len(doomed), 500):
        m.Variant.objects.filter(pk__in=doomed[start:start + 500]).delete()


def _spec_after_delete(caller, obj):
    mp = caller.marketplace_pk
    m.SpecOption.objects.filter(marketplace_id=mp, spec_id=obj.oc_id).delete()
    m.SpecProductAssignment.objects.filter(marketplace_id=mp, spec_id=obj.oc_id).delete()
    _variants_built_on_delete(mp, obj.oc_id)


def _spec_option_after_delete(caller, obj):
    """The variants built on the option go with it, and a DefaultOptionID naming it (the spec's,
    its product assignments') is cleared: a later option created with that ID is not a default
    nobody chose."""
    mp = caller.marketplace_pk
    _variants_built_on_delete(mp, obj.spec_id, obj.oc_id)
    m.Spec.objects.filter(marketplace_id=mp, oc_id=obj.spec_id, default_option_id=obj.oc_id).update(default_option_id="")
    m.SpecProductAssignment.objects.filter(marketplace_id=mp, spec_id=obj.spec_id,
                                           default_option_id=obj.oc_id).update(default_option_id="")  # fmt: skip


MSG_HTTP_URL = "{field} must be an http:// or https:// URL."


def _http_url_validate(value: str | None, field: str) -> None:
    """Webhooks and integration events are called over HTTP(S): another scheme (ftp:, file:,
    javascript:) or a URL without a host is refused when saved, not when first delivered."""
    if not value:
        return
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number from 0 to 65535 raises ValueError
    except ValueError:  # "Invalid IPv6 URL" (http://[::1), "Port out of range 0-65535"
        raise InvalidRequest(MSG_HTTP_URL.format(field=field), data={"Field": field, "Value": value}) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(MSG_HTTP_URL.format(field=field), data={"Field": field, "Value": value})


def _webhook_before_save(caller, obj, data, creating):
    _roles_validate(data, "ElevatedRoles")
    _http_url_validate(obj.url, "Url")
    for route in obj.webhook_routes or []:
        verb = (route.get("Verb") or "").upper()
        if not route.get("Route") or verb not in ("POST", "PUT", "PATCH", "DELETE"):
            raise InvalidRequest(
                "Each WebhookRoute needs a Route and a Verb of POST, PUT, PATCH or DELETE.",
                data={"Field": "WebhookRoutes", "Value": route},
            )
        route["Verb"] = verb


def _elevated_roles_validate(caller, obj, data, creating):
    _roles_validate(data, "ElevatedRoles")


def _integration_event_before_save(caller, obj, data, creating):
    _roles_validate(data, "ElevatedRoles")
    _http_url_validate(obj.custom_implementation_url, "CustomImplementationUrl")


API_CLIENT_EVENT_COLUMNS = (
    "order_checkout_integration_event_id", "order_return_integration_event_id", "add_to_cart_integration_event_id",
)


def _integration_event_after_delete(caller, obj):
    """The API clients wired to a deleted integration event are unwired (their ...IntegrationEventID
    becomes null): left pointing at it, a later integration event created with that ID was silently
    called at their checkouts, returns and cart additions. (A new ID is followed: REFERENCES.)"""
    clients = m.ApiClient.objects.filter(marketplace_id=caller.marketplace_pk)
    for column in API_CLIENT_EVENT_COLUMNS:
        clients.filter(**{column: obj.oc_id}).update(**{column: ""})


# --- resources --------------------------------------------------------------------------------

API_CLIENTS = Resource(
    object_type="ApiClient",
    sdk="ApiClients",
    model=m.ApiClient,
    schema=s.ApiClient,
    path="/apiclients",
    id_param="apiClientID",
    read_roles=("ApiClientReader", "ApiClientAdmin"),
    write_roles=("ApiClientAdmin",),
    required=("AccessTokenDuration", "AppName"),
    readonly=(
        "ID",
        "AssignedBuyerCount",
        "AssignedSupplierCount",
        "OrderCheckoutIntegrationEventName",
        "OrderReturnIntegrationEventName",
        "AddToCartIntegrationEventName",
    ),
    search_fields=("ID", "AppName", "DefaultContextUserName"),
    batch=_api_client_batch,
    computed={
        "AssignedBuyerCount": lambda o: 0,
        "AssignedSupplierCount": lambda o: 0,
        "OrderCheckoutIntegrationEventName": lambda o: None,
        "OrderReturnIntegrationEventName": lambda o: None,
        "AddToCartIntegrationEventName": lambda o: None,
    },
    before_save=_api_client_before_save,
    after_delete=_api_client_after_delete,
    generate_id=new_client_id,
    id_unique_in_environment=True,
    tag="API clients",
)

API_CLIENT_SECRETS = Resource(
    object_type="ApiClientSecret",
    sdk="ApiClients",
    model=m.ApiClientSecret,
    schema=s.ApiClientSecret,
    path="/apiclients/{apiClientID}/secrets",
    id_param="apiClientSecretID",
    read_roles=(),  # reading secrets' names and expirations needs ApiClientAdmin too
    write_roles=("ApiClientAdmin",),
    required=("Name",),
    parent=Parent(param="apiClientID", column="api_client_id", model=m.ApiClient, object_type="ApiClient"),
    before_save=_api_client_secret_before_save,
    create_schema=s.ApiClientSecretCreateResponse,
    created_extra=lambda obj: {"ClientSecret": obj.plain_secret},
    tag="API clients",
)
API_CLIENT_SECRETS.op_names = {
    "List": "ListSecrets",
    "Get": "GetSecret",
    "Create": "CreateSecret",
    "Patch": "PatchSecret",
    "Delete": "DeleteSecret",
}

SECURITY_PROFILES = Resource(
    object_type="SecurityProfile",
    sdk="SecurityProfiles",
    model=m.SecurityProfile,
    schema=s.SecurityProfile,
    path="/securityprofiles",
    id_param="securityProfileID",
    read_roles=("SecurityProfileReader", "SecurityProfileAdmin"),
    write_roles=("SecurityProfileAdmin",),
    required=("Name",),
    readonly=("IsExternalRoleGroup",),
    before_save=_security_profile_before_save,
    after_delete=_security_profile_after_delete,
    tag="Security profiles",
)

def _impersonation_config_before_save(caller, obj, data, creating):
    """What a config names must exist, as an API client's integration events must (only what the
    write sets is checked, `_newly_set`): a config naming an unknown security profile was saved
    (201) and then gave every impersonation token through it no roles; an unknown ClientID or
    buyer made a config that never applied."""
    mp = caller.marketplace_pk
    for column, model, object_type in (
        ("security_profile_id", m.SecurityProfile, "SecurityProfile"), ("client_id", m.ApiClient, "ApiClient"),
        ("impersonation_buyer_id", m.Buyer, "Buyer"), ("buyer_id", m.Buyer, "Buyer"),
    ):  # fmt: skip
        for value in _newly_set(obj, column):
            if not exists_locked(model.objects.filter(marketplace_id=mp, oc_id=value)):
                raise CoreObjectNotFound(object_type, value)
    # ImpersonationGroupID: one of ImpersonationBuyerID's user groups, or without it an admin user
    # group (the impersonator is then an admin user). GroupID: one of BuyerID's user groups, the
    # impersonated being a buyer's user; without a BuyerID it names no group at all.
    if obj.impersonation_group_id and _sets_any(obj, "impersonation_group_id", "impersonation_buyer_id"):
        if obj.impersonation_buyer_id:
            groups = m.UserGroup.objects.filter(marketplace_id=mp, buyer_id=obj.impersonation_buyer_id)
        else:
            groups = m.AdminUserGroup.objects.filter(marketplace_id=mp)
        if not exists_locked(groups.filter(oc_id=obj.impersonation_group_id)):
            raise CoreObjectNotFound("UserGroup", obj.impersonation_group_id)
    if obj.group_id and _sets_any(obj, "group_id", "buyer_id"):
        if not obj.buyer_id:
            raise InvalidRequest(MSG_CONFIG_GROUP_NEEDS_BUYER, data={"Field": "GroupID", "Value": obj.group_id})
        groups = m.UserGroup.objects.filter(marketplace_id=mp, buyer_id=obj.buyer_id, oc_id=obj.group_id)
        if not exists_locked(groups):
            raise CoreObjectNotFound("UserGroup", obj.group_id)


MSG_CONFIG_GROUP_NEEDS_BUYER = (
    "GroupID needs the BuyerID of the user group: only a buyer's users are impersonated."
)


def _sets_any(obj, *columns: str) -> bool:
    """Whether the write sets any of these columns (`_newly_set`, for references made of two
    columns: a group and the buyer it belongs to)."""
    if obj._state.adding:
        return any(getattr(obj, c) not in ("", None) for c in columns)
    return type(obj).objects.filter(pk=obj.pk).exclude(**{c: getattr(obj, c) or "" for c in columns}).exists()


IMPERSONATION_CONFIGS = Resource(
    object_type="ImpersonationConfig",
    sdk="ImpersonationConfigs",
    model=m.ImpersonationConfig,
    schema=s.ImpersonationConfig,
    path="/impersonationconfig",
    id_param="impersonationConfigID",
    read_roles=("ApiClientReader", "ApiClientAdmin"),
    write_roles=("ApiClientAdmin",),
    required=("SecurityProfileID", "ClientID"),
    search_fields=("ID", "ClientID", "SecurityProfileID", "BuyerID", "GroupID", "UserID", "ImpersonationBuyerID",
                   "ImpersonationGroupID", "ImpersonationUserID"),  # fmt: skip
    before_save=_impersonation_config_before_save,
    tag="Impersonation configs",
)

_USER_COMMON = dict(
    model=m.CoreUser,
    schema=s.User,
    required=("Username", "FirstName", "LastName", "Email", "Active"),
    readonly=("FailedLoginAttempts", "CompanyID", "AvailableRoles", "Locale", "DateCreated", "LastActive", "PasswordLastSetDate"),
    write_only=("Password",),
    search_fields=USER_FIELDS_SEARCH,
    computed={"CompanyID": lambda o: o.company_id, "AvailableRoles": lambda o: [], "Locale": lambda o: None},
    batch=_user_batch,
    before_save=_user_before_save,
    after_delete=_user_after_delete,
)

ADMIN_USERS = Resource(
    object_type="User",
    sdk="AdminUsers",
    path="/adminusers",
    id_param="userID",
    read_roles=("AdminUserReader", "AdminUserAdmin"),
    write_roles=("AdminUserAdmin",),
    scope={"kind": m.UserKind.ADMIN, "company_id": ""},
    tag="Admin users",
    **_USER_COMMON,
)

BUYERS = Resource(
    object_type="Buyer",
    sdk="Buyers",
    model=m.Buyer,
    schema=s.Buyer,
    path="/buyers",
    id_param="buyerID",
    read_roles=("BuyerReader", "BuyerAdmin"),
    write_roles=("BuyerAdmin",),
    required=("Name",),
    readonly=("DateCreated",),
    after_delete=_buyer_after_delete,
    tag="Buyers",
)

BUYER_PARENT = Parent(param="buyerID", column="buyer_id", model=m.Buyer, object_type="Buyer")


def _users_in_group(caller, qs, query: dict, path_params: dict):
    """`userGroupID` (Users.List, SupplierUsers.List): the users assigned to that group of the
    buyer (or supplier); a group the buyer (supplier) does not have is 404."""
    group = query["userGroupID"]
    mp = caller.marketplace_pk
    if "buyerID" in path_params:
        buyer = path_params["buyerID"]
        groups = m.UserGroup.objects.filter(marketplace_id=mp, buyer_id=buyer, oc_id=group)
        members = m.UserGroupAssignment.objects.filter(marketplace_id=mp, buyer_id=buyer, user_group_id=group)
    else:
        supplier = path_params["supplierID"]
        groups = m.SupplierUserGroup.objects.filter(marketplace_id=mp, supplier_id=supplier, oc_id=group)
        members = m.SupplierUserGroupAssignment.objects.filter(marketplace_id=mp, supplier_id=supplier, user_group_id=group)
    if not groups.exists():
        raise CoreObjectNotFound("UserGroup", group)
    return qs.filter(oc_id__in=members.values("user_id"))


USERS = Resource(
    object_type="User",
    sdk="Users",
    path="/buyers/{buyerID}/users",
    id_param="userID",
    read_roles=("BuyerUserReader", "BuyerUserAdmin"),
    write_roles=("BuyerUserAdmin",),
    parent=Parent(param="buyerID", column="company_id", model=m.Buyer, object_type="Buyer"),
    scope={"kind": m.UserKind.BUYER},
    list_query=("userGroupID",),
    narrow=_users_in_group,
    tag="Buyer users",
    **_USER_COMMON,
)

# --- Users.ListAcrossBuyers --------------------------------------------------------------------
# The same list as Users.List without the buyer; IDs are unique per buyer only, so ties are broken
# by buyer (CompanyID) for a stable order across pages.
BUYER_USERS_ACROSS_SPEC = replace(USERS.list_spec, default_order=("oc_id", "company_id", "pk"))


def buyer_users_across_list(caller, request) -> dict:
    """Users.ListAcrossBuyers (`GET /v1/buyerusers`): the users of every buyer (CompanyID says whose)."""
    caller.require((*USERS.read_roles, *USERS.write_roles), seller_only=True)
    qs = m.CoreUser.objects.filter(marketplace_id=caller.marketplace_pk, **USERS.scope)
    params = list_params_parse(request, BUYER_USERS_ACROSS_SPEC)
    rows, meta = page_slice(apply_filters(qs, BUYER_USERS_ACROSS_SPEC, params), params)
    return {"Items": USERS.serialize_many(rows), "Meta": meta}


# --- Users.Move -----------------------------------------------------------------------------------
USER_ORDER_MOVE_OPTIONS = ("None", "Unsubmitted", "All")  # the SDK's UserOrderMoveOption
MSG_ORDERS_OPTION = "orders is required: None, Unsubmitted or All."


@transaction.atomic
def buyer_user_move(caller, *, buyer_id: str, user_id: str, new_buyer_id: str, orders: str | None):
    """Users.Move (`POST /buyers/{buyerID}/users/{userID}/moveto/{newBuyerID}?orders=...`): the user
    keeps its ID, username, password and user-level security profiles, which now apply in the new
    buyer; it leaves the old buyer's user groups, and its tokens (which name the old buyer) stop
    working, so it signs in again. `orders` is validated; the built-in API has no orders to move."""
    if orders not in USER_ORDER_MOVE_OPTIONS:
        raise InvalidRequest(MSG_ORDERS_OPTION, data={"Field": "orders", "Value": orders})
    user = USERS.queryset(caller, {"buyerID": buyer_id}).select_for_update().filter(oc_id=user_id).first()
    if user is None:
        raise CoreObjectNotFound("User", user_id)
    # locked until the move is saved: a DELETE of the new buyer waits and takes the user with it
    if not exists_locked(m.Buyer.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=new_buyer_id)):
        raise CoreObjectNotFound("Buyer", new_buyer_id)
    if new_buyer_id == buyer_id:
        return user
    if USERS.queryset(caller, {"buyerID": new_buyer_id}).filter(oc_id=user_id).exists():
        raise IdExists(MSG_ID_EXISTS, data={"ObjectType": "User", "ObjectID": user_id})
    mp = caller.marketplace_pk
    m.UserGroupAssignment.objects.filter(marketplace_id=mp, buyer_id=buyer_id, user_id=user_id).delete()
    m.AddressAssignment.objects.filter(marketplace_id=mp, buyer_id=buyer_id, user_id=user_id).delete()
    # its own addresses (Me.CreateAddress) go with it, unless the new buyer has an address with that ID
    own = m.Address.objects.filter(marketplace_id=mp, buyer_id=buyer_id, supplier_id="", owner_user_id=user_id)
    taken = m.Address.objects.filter(marketplace_id=mp, buyer_id=new_buyer_id, supplier_id="",
                                     oc_id__in=own.values("oc_id")).values_list("oc_id", flat=True).first()  # fmt: skip
    if taken:
        raise IdExists(MSG_ID_EXISTS, data={"ObjectType": "Address", "ObjectID": taken})
    own.update(buyer_id=new_buyer_id)
    profiles = m.SecurityProfileAssignment.objects.filter(marketplace_id=mp, supplier_id="", user_group_id="", user_id=user_id)
    already = profiles.filter(buyer_id=new_buyer_id).values_list("security_profile_id", flat=True)
    profiles.filter(buyer_id=buyer_id, security_profile_id__in=list(already)).delete()
    profiles.filter(buyer_id=buyer_id).update(buyer_id=new_buyer_id)
    _tokens_revoke(caller, m.UserKind.BUYER, buyer_id, [user_id])
    user.company_id = new_buyer_id
    user.save(update_fields=["company_id"])
    return user


USER_GROUPS = Resource(
    object_type="UserGroup",
    sdk="UserGroups",
    model=m.UserGroup,
    schema=s.UserGroup,
    path="/buyers/{buyerID}/usergroups",
    id_param="userGroupID",
    read_roles=("UserGroupReader", "UserGroupAdmin"),
    write_roles=("UserGroupAdmin",),
    required=("Name",),
    parent=BUYER_PARENT,
    search_fields=("ID", "Name", "Description"),
    after_delete=_user_group_after_delete,
    tag="User groups",
)

ADMIN_USER_GROUPS = Resource(
    object_type="UserGroup",
    sdk="AdminUserGroups",
    model=m.AdminUserGroup,
    schema=s.UserGroup,
    path="/usergroups",
    id_param="userGroupID",
    read_roles=("AdminUserGroupReader", "AdminUserGroupAdmin"),
    write_roles=("AdminUserGroupAdmin",),
    required=("Name",),
    search_fields=("ID", "Name", "Description"),
    after_delete=_admin_user_group_after_delete,
    tag="Admin user groups",
)

SUPPLIERS = Resource(
    object_type="Supplier",
    sdk="Suppliers",
    model=m.Supplier,
    schema=s.Supplier,
    path="/suppliers",
    id_param="supplierID",
    read_roles=("SupplierReader", "SupplierAdmin"),
    write_roles=("SupplierAdmin",),
    required=("Name",),
    readonly=("DateCreated",),
    after_delete=_supplier_after_delete,
    supplier_access=SupplierAccess(owner=None, own_row=True),  # a supplier user's own supplier only
    tag="Suppliers",
)

SUPPLIER_USERS = Resource(
    object_type="User",
    sdk="SupplierUsers",
    path="/suppliers/{supplierID}/users",
    id_param="userID",
    read_roles=("SupplierUserReader", "SupplierUserAdmin"),
    write_roles=("SupplierUserAdmin",),
    parent=Parent(param="supplierID", column="company_id", model=m.Supplier, object_type="Supplier"),
    scope={"kind": m.UserKind.SUPPLIER},
    supplier_access=SupplierAccess(owner=None, parent_owner_column="oc_id"),  # its own supplier's users
    list_query=("userGroupID",),
    narrow=_users_in_group,
    tag="Supplier users",
    **_USER_COMMON,
)

SUPPLIER_PARENT = Parent(param="supplierID", column="supplier_id", model=m.Supplier, object_type="Supplier")

SUPPLIER_USER_GROUPS = Resource(
    object_type="UserGroup",
    sdk="SupplierUserGroups",
    model=m.SupplierUserGroup,
    schema=s.UserGroup,
    path="/suppliers/{supplierID}/usergroups",
    id_param="userGroupID",
    read_roles=("SupplierUserGroupReader", "SupplierUserGroupAdmin"),
    write_roles=("SupplierUserGroupAdmin",),
    required=("Name",),
    parent=SUPPLIER_PARENT,
    search_fields=("ID", "Name", "Description"),
    after_delete=_supplier_user_group_after_delete,
    supplier_access=SupplierAccess(owner=None, parent_owner_column="oc_id"),  # its own supplier's groups
    tag="Supplier user groups",
)

# --- addresses ------------------------------------------------------------------------------------


def address_country_check(caller, obj, data, creating) -> None:
    """Country is a two-letter ISO 3166-1 code (the SDK's Address: "US", "DK"). A name ("United
    States", "Danmark") or a three-letter code is refused, naming the field; checked only when the
    request sets it, so an address stored before the check can still be edited."""
    value = data.get("Country")
    if isinstance(value, str) and value and not (len(value) == 2 and value.isascii() and value.isalpha()):
        raise InvalidRequest(
            "Country must be a two-letter ISO 3166-1 country code, such as US or DK.", data={"Field": "Country"}
        )

# One table: the marketplace's (no buyer, no supplier), a buyer's and a supplier's addresses; a buyer
# user's own (private) addresses (Me.CreateAddress, coreapi.me) are none of these lists'.
ADDRESS_SEARCH_FIELDS = ("ID", "AddressName", "CompanyName", "City", "Street1", "Street2", "LastName", "FirstName", "State", "Zip")
_ADDRESS_COMMON = dict(
    object_type="Address",
    model=m.Address,
    schema=s.Address,
    id_param="addressID",
    required=("Street1", "City", "Country"),
    readonly=("DateCreated",),
    search_fields=ADDRESS_SEARCH_FIELDS,
    before_save=address_country_check,
)

ADMIN_ADDRESSES = Resource(
    sdk="AdminAddresses",
    path="/addresses",
    read_roles=("AdminAddressReader", "AdminAddressAdmin"),
    write_roles=("AdminAddressAdmin",),
    scope={"buyer_id": "", "supplier_id": "", "owner_user_id": ""},
    tag="Admin addresses",
    **_ADDRESS_COMMON,
)

ADDRESSES = Resource(
    sdk="Addresses",
    path="/buyers/{buyerID}/addresses",
    read_roles=("AddressReader", "AddressAdmin"),
    write_roles=("AddressAdmin",),
    parent=BUYER_PARENT,
    scope={"supplier_id": "", "owner_user_id": ""},
    after_delete=_address_after_delete,
    tag="Addresses",
    **_ADDRESS_COMMON,
)

SUPPLIER_ADDRESSES = Resource(
    sdk="SupplierAddresses",
    path="/suppliers/{supplierID}/addresses",
    read_roles=("SupplierAddressReader", "SupplierAddressAdmin"),
    write_roles=("SupplierAddressAdmin",),
    parent=SUPPLIER_PARENT,
    scope={"buyer_id": "", "owner_user_id": ""},
    supplier_access=SupplierAccess(owner=None, parent_owner_column="oc_id"),  # its own supplier's addresses
    tag="Supplier addresses",
    **_ADDRESS_COMMON,
)

INTEGRATION_EVENTS = Resource(
    object_type="IntegrationEvent",
    sdk="IntegrationEvents",
    model=m.IntegrationEvent,
    schema=s.IntegrationEvent,
    path="/integrationEvents",
    id_param="integrationEventID",
    read_roles=("IntegrationEventReader", "IntegrationEventAdmin"),
    write_roles=("IntegrationEventAdmin",),
    required=("CustomImplementationUrl", "Name", "HashKey"),
    search_fields=("ID", "EventType", "Name"),
    before_save=_integration_event_before_save,
    after_delete=_integration_event_after_delete,
    tag="Integration events",
)

WEBHOOKS = Resource(
    object_type="Webhook",
    sdk="Webhooks",
    model=m.Webhook,
    schema=s.Webhook,
    path="/webhooks",
    id_param="webhookID",
    read_roles=("WebhookReader", "WebhookAdmin"),
    write_roles=("WebhookAdmin",),
    required=("Name",),
    search_fields=("ID", "Name", "Description", "Url"),
    before_save=_webhook_before_save,
    tag="Webhooks",
)

def _message_sender_after_delete(caller, obj):
    m.MessageSenderAssignment.objects.filter(marketplace_id=caller.marketplace_pk, message_sender_id=obj.oc_id).delete()


MESSAGE_SENDERS = Resource(
    object_type="MessageSender",
    sdk="MessageSenders",
    model=m.MessageSender,
    schema=s.MessageSender,
    path="/messagesenders",
    id_param="messageSenderID",
    read_roles=("MessageSenderReader", "MessageSenderAdmin"),
    write_roles=("MessageSenderAdmin",),
    required=("Name", "MessageTypes", "DeliveryConfigID"),
    before_save=_elevated_roles_validate,
    after_delete=_message_sender_after_delete,
    tag="Message senders",
)

CATALOGS = Resource(
    object_type="Catalog",
    sdk="Catalogs",
    model=m.Catalog,
    schema=s.Catalog,
    path="/catalogs",
    id_param="catalogID",
    read_roles=("CatalogReader", "CatalogAdmin"),
    write_roles=("CatalogAdmin",),
    required=("Name",),
    readonly=("CategoryCount",),
    search_fields=("ID", "Name", "Description"),
    computed={"CategoryCount": lambda o: 0},
    batch=_catalog_batch,
    after_delete=_catalog_after_delete,
    tag="Catalogs",
)

MSG_LIST_ORDER_NO_ROOM = (
    "adjustListOrders: category {category} already has ListOrder {max}, the highest there is; it cannot move up "
    "to make room."
)


def _list_orders_make_room(caller, obj) -> None:
    """adjustListOrders=true: the category's siblings (same catalog and ParentID) at or after its
    ListOrder move up by one, so it takes that place without a tie (OrderCloud: "will increase
    ListOrder for all categories with the same or higher ListOrder"). A sibling already at the
    largest 32-bit integer would overflow: a 400, nothing written."""
    siblings = m.Category.objects.filter(
        marketplace_id=caller.marketplace_pk, catalog_id=obj.catalog_id, parent_id=obj.parent_id,
        list_order__gte=obj.list_order,
    ).exclude(pk=obj.pk)  # fmt: skip
    if full := siblings.filter(list_order__gte=INT32_MAX).values_list("oc_id", flat=True).first():
        raise InvalidRequest(MSG_LIST_ORDER_NO_ROOM.format(category=full, max=INT32_MAX),
                             data={"Parameter": "adjustListOrders", "ObjectID": full})  # fmt: skip
    siblings.update(list_order=F("list_order") + 1)


class CategoryResource(Resource):
    """Categories.List takes `depth` (coreapi.category_tree): with it, that many levels from the
    top of the catalog, or from the category a plain `ParentID=x` filter names; inactive
    categories are listed like any other. Without it every category is listed, as before (the SDK
    documents no default for Categories.List; Me.ListCategories' is 1).

    Create, Save and Patch take `adjustListOrders` (the SDK's boolean): true, with a ListOrder in
    the body, moves the siblings at or after that ListOrder up by one (`_list_orders_make_room`),
    in the write's transaction; false or absent changes nothing else."""

    write_flags = ("adjustListOrders",)  # coreapi.apis: OCBool query parameters of Create, Save, Patch

    @staticmethod
    def _tree_lock(caller, path_params: dict) -> None:
        """The catalog's lock for writes that read its other categories before writing: adjusting
        writes and moves wait for each other from here, before the category's row is locked (a
        write holding its row while waiting here would deadlock with one holding this lock and
        locking that row as its new parent). Taken twice by one write, it is held once."""
        advisory_lock(f"category-list-orders:{caller.marketplace_pk}:{path_params['catalogID']}")

    @classmethod
    def _adjusting(cls, caller, path_params: dict, data: dict, flags: dict | None) -> bool:
        """Whether this write makes room among its siblings; if so, adjusting writes in the catalog
        wait for each other from here: two of them in one parent would otherwise each miss the
        other's new ListOrder, or lock each other's rows."""
        if not (flags or {}).get("adjustListOrders") or data.get("ListOrder") is None:
            return False
        cls._tree_lock(caller, path_params)
        return True

    @classmethod
    def _moving(cls, caller, path_params: dict, data: dict) -> None:
        """A replace or patch naming a parent may move the category: moves in the catalog wait for
        each other, so the loop check (_category_cycle_check) of the second sees the first's new
        ParentID. Checked alone, A under B's child while B went under A's child each passed, and
        together they made a loop that hid both subtrees."""
        if data.get("ParentID"):
            cls._tree_lock(caller, path_params)

    @transaction.atomic
    def create(self, caller, path_params: dict, data: dict, flags: dict | None = None):
        adjust = self._adjusting(caller, path_params, data, flags)
        obj = super().create(caller, path_params, data)
        if adjust:
            _list_orders_make_room(caller, obj)
        return obj

    @transaction.atomic
    def save(self, caller, path_params: dict, object_id: str, data: dict, flags: dict | None = None):
        self._moving(caller, path_params, data)
        adjust = self._adjusting(caller, path_params, data, flags)
        obj, created = super().save(caller, path_params, object_id, data)
        if adjust:
            _list_orders_make_room(caller, obj)
        return obj, created

    @transaction.atomic
    def patch(self, caller, path_params: dict, object_id: str, data: dict, flags: dict | None = None):
        self._moving(caller, path_params, data)
        adjust = self._adjusting(caller, path_params, data, flags)
        obj = super().patch(caller, path_params, object_id, data)
        if adjust:
            _list_orders_make_room(caller, obj)
        return obj

    def list(self, caller, request, path_params: dict) -> dict:
        if not request.GET.get("depth"):
            return super().list(caller, request, path_params)
        qs = self.queryset(caller, path_params)
        params = list_params_parse(request, self.list_spec)
        catalog = path_params[self.parent.param]
        tree = category_tree(caller.marketplace_pk, [catalog])
        shown = levels_shown(request, params, tree, default_depth="all", active_only=False)
        qs = apply_filters(qs.filter(shown) if shown is not None else qs.none(), self.list_spec, params)
        rows, meta = page_slice(qs, params)
        return {"Items": self.serialize_many(rows), "Meta": meta}


CATEGORIES = CategoryResource(
    object_type="Category",
    sdk="Categories",
    model=m.Category,
    schema=s.Category,
    path="/catalogs/{catalogID}/categories",
    id_param="categoryID",
    read_roles=("CategoryReader", "CategoryAdmin"),
    write_roles=("CategoryAdmin",),
    required=("Name",),  # the SDK: "Required fields: Name" (a category without one was saved, Name "")
    readonly=("ChildCount",),
    parent=Parent(param="catalogID", column="catalog_id", model=m.Catalog, object_type="Catalog"),
    search_fields=("ID", "Name", "Description"),
    computed={"ChildCount": lambda o: 0},
    batch=_category_batch,
    before_save=_category_before_save,
    after_delete=_category_after_delete,
    list_query=("depth",),  # documented here, read by CategoryResource.list
    narrow=lambda caller, qs, query, path_params: qs,
    tag="Categories",
)

def products_sold_by(marketplace_pk: int, supplier_id: str) -> Q:
    """The products a supplier sells: owned by it, its default supplier, or one of its suppliers
    (Products.SaveSupplier). Products.List?supplierID=..., Me.ListProducts?sellerID=..."""
    return Q(owner_id=supplier_id) | Q(default_supplier_id=supplier_id) | Q(
        oc_id__in=m.ProductSupplier.objects.filter(marketplace_id=marketplace_pk, supplier_id=supplier_id).values("product_id")
    )


PRODUCTS = ProductResource(
    object_type="Product",
    sdk="Products",
    model=m.Product,
    schema=s.Product,
    path="/products",
    id_param="productID",
    read_roles=("ProductReader", "ProductAdmin"),
    write_roles=("ProductAdmin",),
    required=("Name",),  # OrderCloud's Product model (the JS SDK types every field optional)
    readonly=("IsBundle", "SpecCount", "VariantCount", "DateCreated"),
    search_fields=("ID", "Name", "Description"),
    computed={"SpecCount": lambda o: 0, "VariantCount": lambda o: 0},
    batch=_product_batch,
    before_save=_product_before_save,
    after_delete=_product_after_delete,
    supplier_access=SupplierAccess(
        # besides its own, a supplier reads the products it sells: as one of their suppliers, as
        # their default supplier, or because every supplier may (AllSuppliersCanSell)
        readable=lambda mp, supplier: Q(default_supplier_id=supplier) | Q(all_suppliers_can_sell=True) | Q(
            oc_id__in=m.ProductSupplier.objects.filter(marketplace_id=mp, supplier_id=supplier).values("product_id")
        ),
    ),
    list_query=CATALOG_NARROWING,
    narrow=_catalog_narrowing(
        in_catalog=m.ProductCatalogAssignment,
        in_category=m.CategoryProductAssignment,
        id_column="product_id",
        by_supplier=lambda mp, supplier: products_sold_by(mp, supplier),
    ),
    tag="Products",
)


def _bundle_after_delete(caller, obj):
    for model in (m.BundleAssignment, m.BundleProductAssignment, m.BundleCatalogAssignment, m.CategoryBundleAssignment):
        model.objects.filter(marketplace_id=caller.marketplace_pk, bundle_id=obj.oc_id).delete()


BUNDLES = Resource(
    object_type="Bundle",
    sdk="Bundles",
    model=m.Bundle,
    schema=s.Bundle,
    path="/bundles",
    id_param="bundleID",
    read_roles=("BundleReader", "BundleAdmin"),
    write_roles=("BundleAdmin",),
    required=("Name",),
    search_fields=("ID", "Name", "Description"),
    after_delete=_bundle_after_delete,
    list_query=CATALOG_NARROWING,
    narrow=_catalog_narrowing(
        in_catalog=m.BundleCatalogAssignment,
        in_category=m.CategoryBundleAssignment,
        id_column="bundle_id",
        by_supplier=lambda mp, supplier: Q(owner_id=supplier),
    ),
    tag="Bundles",
)

PRICE_SCHEDULES = PriceScheduleResource(
    object_type="PriceSchedule",
    sdk="PriceSchedules",
    model=m.PriceSchedule,
    schema=s.PriceSchedule,
    path="/priceschedules",
    id_param="priceScheduleID",
    read_roles=("PriceScheduleReader", "PriceScheduleAdmin"),
    write_roles=("PriceScheduleAdmin",),
    required=("Name",),
    readonly=("IsOnSale",),
    search_fields=("ID", "Name", "Currency"),
    computed={"IsOnSale": _is_on_sale},
    before_save=price_schedule_before_save,
    supplier_access=SupplierAccess(),
    tag="Price schedules",
)

SPECS = Resource(
    object_type="Spec",
    sdk="Specs",
    model=m.Spec,
    schema=s.Spec,
    path="/specs",
    id_param="specID",
    read_roles=("ProductReader", "ProductAdmin"),
    write_roles=("ProductAdmin",),
    required=("Name",),
    readonly=("OptionCount", "Options"),
    computed={"OptionCount": lambda o: 0, "Options": lambda o: []},
    batch=_spec_batch,
    supplier_access=SupplierAccess(),
    after_delete=_spec_after_delete,
    tag="Specs",
)

SPEC_OPTIONS = Resource(
    object_type="SpecOption",
    sdk="Specs",
    model=m.SpecOption,
    schema=s.SpecOption,
    path="/specs/{specID}/options",
    id_param="optionID",
    read_roles=("ProductReader", "ProductAdmin"),
    write_roles=("ProductAdmin",),
    parent=Parent(param="specID", column="spec_id", model=m.Spec, object_type="Spec"),
    required=("Value",),  # the SDK: "Required fields: Value" (an option without one was saved, Value null)
    search_fields=("ID", "Value"),
    after_delete=_spec_option_after_delete,  # and the variants built on it
    supplier_access=SupplierAccess(owner=None),  # the options of its own specs
    tag="Specs",
)
SPEC_OPTIONS.op_names = {
    "List": "ListOptions",
    "Get": "GetOption",
    "Create": "CreateOption",
    "Save": "SaveOption",
    "Patch": "PatchOption",
    "Delete": "DeleteOption",
}

def _variant_batch(rows):
    """The variants' Specs with the current spec names and option values and markups (deleting a
    spec or option deletes the variants built on it; one missing all the same shows as generated)."""
    mp = rows[0].marketplace_id
    spec_ids = {sp.get("SpecID") for r in rows for sp in (r.specs or [])}
    names = dict(m.Spec.objects.filter(marketplace_id=mp, oc_id__in=spec_ids).values_list("oc_id", "name"))
    options = {
        (o.spec_id, o.oc_id): o
        for o in m.SpecOption.objects.filter(marketplace_id=mp, spec_id__in=spec_ids).only(
            "spec_id", "oc_id", "value", "price_markup_type", "price_markup"
        )
    }
    out = {}
    for r in rows:
        specs = []
        for sp in r.specs or []:
            option = options.get((sp.get("SpecID"), sp.get("OptionID")))
            specs.append({
                "SpecID": sp.get("SpecID"),
                "Name": names.get(sp.get("SpecID"), sp.get("Name")),
                "OptionID": sp.get("OptionID"),
                "Value": option.value if option else sp.get("Value"),
                "PriceMarkupType": option.price_markup_type if option else sp.get("PriceMarkupType"),
                "PriceMarkup": option.price_markup if option else sp.get("PriceMarkup"),
            })  # fmt: skip
        out[r.pk] = {"Specs": specs}
    return out


def _variant_before_save(caller, obj, data, creating):
    if isinstance(data.get("Inventory"), dict) and obj.inventory is not None:
        # LastUpdated is the API's (read-only in the SDK): the time of this write, in milliseconds
        obj.inventory = {**obj.inventory, "LastUpdated": api_time()}


class VariantResource(Resource):
    """Variants are made by Products.GenerateVariants only: PUT replaces an existing variant (and
    may give it a new ID, unique within its product) but never creates one."""

    def serialize(self, obj, extra: dict | None = None) -> dict:
        out = super().serialize(obj, extra)
        inventory = out.get("Inventory")
        if isinstance(inventory, dict) and inventory.get("LastUpdated"):  # stored with microseconds before
            out["Inventory"] = {**inventory, "LastUpdated": api_time(inventory["LastUpdated"])}
        return out

    @transaction.atomic
    def save(self, caller, path_params: dict, object_id: str, data: dict):
        self.get_object(caller, path_params, object_id, lock=True)  # 404 for a variant that does not exist (or no longer)
        return super().save(caller, path_params, object_id, data)


VARIANTS = VariantResource(
    object_type="Variant",
    sdk="Products",
    model=m.Variant,
    schema=s.Variant,
    path="/products/{productID}/variants",
    id_param="variantID",
    read_roles=("ProductReader", "ProductAdmin"),
    write_roles=("ProductAdmin",),
    readonly=("Specs",),
    parent=Parent(param="productID", column="product_id", model=m.Product, object_type="Product"),
    search_fields=("ID", "Name", "Description"),
    batch=_variant_batch,
    before_save=_variant_before_save,
    tag="Products",
)
VARIANTS.op_names = {"List": "ListVariants", "Get": "GetVariant", "Save": "SaveVariant", "Patch": "PatchVariant"}


# --- references: where a resource's ID is held (they follow a new ID, see resources.Ref) -----------


def _variant_specs_update(key: str, test):
    """An updater of Variant.specs (a JSON list of {SpecID, OptionID, ...}): the entries for which
    test(entry, parent_id, old_id) holds get entry[key] = new_id."""

    def update(marketplace_pk, parent_id, old_id, new_id):
        rows = (
            m.Variant.objects.filter(marketplace_id=marketplace_pk)
            .annotate(specs_text=Cast("specs", TextField()))
            .filter(specs_text__contains=old_id)  # a cheap pre-filter; the test below decides
            .only("pk", "specs")
        )
        changed = []
        for variant in rows:
            matching = [sp for sp in variant.specs or [] if test(sp, parent_id, old_id)]
            for sp in matching:
                sp[key] = new_id
            if matching:
                changed.append(variant)
        m.Variant.objects.bulk_update(changed, ["specs"], batch_size=500)  # one UPDATE per 500 rows

    return update


def _refs(*pairs, **common) -> tuple[Ref, ...]:
    return tuple(Ref(model, column, **common) for model, column in pairs)


_ADMIN = (("buyer_id", ""), ("supplier_id", ""))
SECURITY_PROFILES.references = _refs(
    (m.SecurityProfileAssignment, "security_profile_id"), (m.ImpersonationConfig, "security_profile_id")
)
ADMIN_USERS.references = (
    Ref(m.SecurityProfileAssignment, "user_id", scope=_ADMIN),
    Ref(m.AdminUserGroupAssignment, "user_id"),
    Ref(m.ImpersonationConfig, "impersonation_user_id", scope=(("impersonation_buyer_id", ""),)),
    Ref(m.ImpersonationConfig, "user_id", scope=(("buyer_id", ""),)),
)
BUYERS.references = (
    Ref(m.CoreUser, "company_id", scope=(("kind", m.UserKind.BUYER),)),
    *_refs((m.UserGroup, "buyer_id"), (m.UserGroupAssignment, "buyer_id"), (m.SecurityProfileAssignment, "buyer_id"),
           (m.ApiClientAssignment, "buyer_id"), (m.CatalogAssignment, "buyer_id"), (m.ProductAssignment, "buyer_id"),
           (m.ImpersonationConfig, "buyer_id"), (m.ImpersonationConfig, "impersonation_buyer_id"),
           (m.CategoryAssignment, "buyer_id"), (m.MessageSenderAssignment, "buyer_id"), (m.BundleAssignment, "buyer_id"),
           (m.Address, "buyer_id"), (m.AddressAssignment, "buyer_id")),
)  # fmt: skip
USERS.references = (
    *_refs((m.UserGroupAssignment, "user_id"), (m.SecurityProfileAssignment, "user_id"),
           (m.ImpersonationConfig, "user_id"), (m.AddressAssignment, "user_id"), (m.Address, "owner_user_id"),
           parent_column="buyer_id"),
    Ref(m.ImpersonationConfig, "impersonation_user_id", parent_column="impersonation_buyer_id"),
)  # fmt: skip
USER_GROUPS.references = (
    *_refs((m.UserGroupAssignment, "user_group_id"), (m.SecurityProfileAssignment, "user_group_id"),
           (m.ProductAssignment, "user_group_id"), (m.ImpersonationConfig, "group_id"),
           (m.CategoryAssignment, "user_group_id"), (m.MessageSenderAssignment, "user_group_id"),
           (m.BundleAssignment, "user_group_id"), (m.AddressAssignment, "user_group_id"), parent_column="buyer_id"),
    Ref(m.ImpersonationConfig, "impersonation_group_id", parent_column="impersonation_buyer_id"),
)  # fmt: skip
SUPPLIERS.references = (
    Ref(m.CoreUser, "company_id", scope=(("kind", m.UserKind.SUPPLIER),)),
    *_refs((m.ApiClientAssignment, "supplier_id"), (m.SecurityProfileAssignment, "supplier_id"),
           (m.Product, "default_supplier_id"), (m.Product, "owner_id"), (m.Catalog, "owner_id"),
           (m.PriceSchedule, "owner_id"), (m.Spec, "owner_id"), (m.Bundle, "owner_id"),
           (m.MessageSenderAssignment, "supplier_id"), (m.ProductSupplier, "supplier_id"),
           (m.ProductAssignment, "seller_id"), (m.BundleAssignment, "seller_id"),
           (m.SupplierUserGroup, "supplier_id"), (m.SupplierUserGroupAssignment, "supplier_id"), (m.Address, "supplier_id")),
)  # fmt: skip
SUPPLIER_USERS.references = _refs(
    (m.SecurityProfileAssignment, "user_id"), (m.SupplierUserGroupAssignment, "user_id"), parent_column="supplier_id"
)
ADMIN_USER_GROUPS.references = (
    Ref(m.AdminUserGroupAssignment, "user_group_id"),
    Ref(m.SecurityProfileAssignment, "user_group_id", scope=_ADMIN),
    Ref(m.ImpersonationConfig, "impersonation_group_id", scope=(("impersonation_buyer_id", ""),)),
    Ref(m.MessageSenderAssignment, "user_group_id", scope=_ADMIN),
)
SUPPLIER_USER_GROUPS.references = _refs(
    (m.SupplierUserGroupAssignment, "user_group_id"), (m.SecurityProfileAssignment, "user_group_id"),
    (m.MessageSenderAssignment, "user_group_id"),
    parent_column="supplier_id",
)
ADDRESSES.references = _refs((m.AddressAssignment, "address_id"), parent_column="buyer_id")
INTEGRATION_EVENTS.references = _refs(
    (m.ApiClient, "order_checkout_integration_event_id"), (m.ApiClient, "order_return_integration_event_id"),
    (m.ApiClient, "add_to_cart_integration_event_id"),
)
WEBHOOKS.references = _refs((m.WebhookDelivery, "webhook_oc_id"))
MESSAGE_SENDERS.references = _refs((m.MessageSenderAssignment, "message_sender_id"))
CATALOGS.references = _refs(
    (m.CatalogAssignment, "catalog_id"), (m.ProductCatalogAssignment, "catalog_id"), (m.Category, "catalog_id"),
    (m.CategoryProductAssignment, "catalog_id"), (m.CategoryAssignment, "catalog_id"), (m.Buyer, "default_catalog_id"),
    (m.BundleCatalogAssignment, "catalog_id"), (m.CategoryBundleAssignment, "catalog_id"),
)
CATEGORIES.references = _refs(
    (m.Category, "parent_id"), (m.CategoryProductAssignment, "category_id"), (m.CategoryAssignment, "category_id"),
    (m.CategoryBundleAssignment, "category_id"), parent_column="catalog_id",
)
PRODUCTS.references = (
    *_refs(*((model, "product_id") for model in PRODUCT_REFERENCES)),
    Ref(m.Product, "parent_id"),
)
PRICE_SCHEDULES.references = _refs(
    (m.Product, "default_price_schedule_id"), (m.ProductAssignment, "price_schedule_id"),
    (m.ProductSupplier, "default_price_schedule_id"),
)
BUNDLES.references = _refs(
    (m.BundleAssignment, "bundle_id"), (m.BundleProductAssignment, "bundle_id"), (m.BundleCatalogAssignment, "bundle_id"),
    (m.CategoryBundleAssignment, "bundle_id"),
)
SPECS.references = (
    *_refs((m.SpecOption, "spec_id"), (m.SpecProductAssignment, "spec_id")),
    Ref(m.Variant, update=_variant_specs_update("SpecID", lambda sp, parent, old: sp.get("SpecID") == old)),
)
SPEC_OPTIONS.references = (
    Ref(m.Spec, "default_option_id", parent_column="oc_id"),
    Ref(m.SpecProductAssignment, "default_option_id", parent_column="spec_id"),
    Ref(m.Variant, update=_variant_specs_update(
        "OptionID", lambda sp, parent, old: sp.get("SpecID") == parent and sp.get("OptionID") == old)),
)

RESOURCES: list[Resource] = [
    API_CLIENTS,
    API_CLIENT_SECRETS,
    SECURITY_PROFILES,
    IMPERSONATION_CONFIGS,
    ADMIN_USERS,
    BUYERS,
    USERS,
    USER_GROUPS,
    ADMIN_USER_GROUPS,
    SUPPLIERS,
    SUPPLIER_USERS,
    SUPPLIER_USER_GROUPS,
    ADMIN_ADDRESSES,
    ADDRESSES,
    SUPPLIER_ADDRESSES,
    INTEGRATION_EVENTS,
    WEBHOOKS,
    MESSAGE_SENDERS,
    CATALOGS,
    CATEGORIES,
    PRODUCTS,
    BUNDLES,
    PRICE_SCHEDULES,
    SPECS,
    SPEC_OPTIONS,
    VARIANTS,
]


# --- assignments ------------------------------------------------------------------------------


def _one_party(*names):
    def check(data: dict) -> None:
        given = [n for n in names if data.get(n)]
        if len(given) > 1:
            raise InvalidRequest(f"Give at most one of {', '.join(names)}.", data={"Fields": given})

    return check


def _exactly_one(*names):
    def check(data: dict) -> None:
        given = [n for n in names if data.get(n)]
        if len(given) != 1:
            raise InvalidRequest(f"Give exactly one of {', '.join(names)}.", data={"Fields": given})

    return check


API_CLIENT_ASSIGNMENTS = Assignment(
    sdk="ApiClients",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.ApiClientAssignment,
    schema=s.ApiClientAssignment,
    path="/apiclients/assignments",
    read_roles=("ApiClientReader", "ApiClientAdmin"),
    write_roles=("ApiClientAdmin",),
    keys=("ApiClientID", "BuyerID", "SupplierID"),
    required=("ApiClientID",),
    list_params={"apiClientID": "api_client_id", "buyerID": "buyer_id", "supplierID": "supplier_id"},
    refs={"ApiClientID": (m.ApiClient, "ApiClient"), "BuyerID": (m.Buyer, "Buyer"), "SupplierID": (m.Supplier, "Supplier")},
    validate=_exactly_one("BuyerID", "SupplierID"),
    deletes=[
        AssignmentDelete(
            op="DeleteBuyerAssignment",
            path="/buyers/{buyerID}/ApiClients/Assignments/{apiClientID}",
            path_columns={"buyerID": "buyer_id", "apiClientID": "api_client_id"},
        ),
        AssignmentDelete(
            op="DeleteSupplierAssignment",
            path="/suppliers/{supplierID}/ApiClients/Assignments/{apiClientID}",
            path_columns={"supplierID": "supplier_id", "apiClientID": "api_client_id"},
        ),
    ],
    tag="API clients",
)

MSG_GROUP_NEEDS_BUYER = "UserGroupID needs the BuyerID of the user group."


def _buyer_group_check(caller, path_params, data: dict) -> None:
    """A UserGroupID must be one of the BuyerID's user groups; without a BuyerID it means nothing."""
    group = data.get("UserGroupID")
    if not group:
        return
    if not data.get("BuyerID"):
        raise InvalidRequest(MSG_GROUP_NEEDS_BUYER, data={"Field": "UserGroupID", "Value": group})
    groups = m.UserGroup.objects.filter(marketplace_id=caller.marketplace_pk, buyer_id=data["BuyerID"], oc_id=group)
    if not exists_locked(groups):
        raise CoreObjectNotFound("UserGroup", group)


def _category_in_catalog_check(caller, path_params, data) -> None:
    """The CategoryID must be one of the path's catalog's categories."""
    if not exists_locked(m.Category.objects.filter(
        marketplace_id=caller.marketplace_pk, catalog_id=path_params["catalogID"], oc_id=data["CategoryID"]
    )):  # fmt: skip
        raise CoreObjectNotFound("Category", data["CategoryID"])


def _party_user_check(caller, path_params, data: dict) -> None:
    """A UserID must be a user of the party the assignment is for: the BuyerID's (or the path's
    buyer's) or the SupplierID's users; without either, an admin user. Otherwise a user created
    later with that ID would inherit the assignment."""
    user = data.get("UserID")
    if not user:
        return
    buyer = data.get("BuyerID") or path_params.get("buyerID") or ""
    supplier = data.get("SupplierID") or path_params.get("supplierID") or ""
    kind, company = (
        (m.UserKind.BUYER, buyer) if buyer else (m.UserKind.SUPPLIER, supplier) if supplier else (m.UserKind.ADMIN, "")
    )
    users = m.CoreUser.objects.filter(marketplace_id=caller.marketplace_pk, kind=kind, company_id=company, oc_id=user)
    if not exists_locked(users):
        raise CoreObjectNotFound("User", user)


def _party_group_check(caller, path_params, data: dict) -> None:
    """A security profile's UserGroupID names a group of the party the assignment is for: one of
    the BuyerID's user groups, of the SupplierID's (SupplierUserGroups), or without either an
    admin user group (AdminUserGroups)."""
    group = data.get("UserGroupID")
    if not group or data.get("BuyerID"):
        _buyer_group_check(caller, path_params, data)
        return
    mp = caller.marketplace_pk
    if supplier := data.get("SupplierID"):
        groups = m.SupplierUserGroup.objects.filter(marketplace_id=mp, supplier_id=supplier, oc_id=group)
    else:
        groups = m.AdminUserGroup.objects.filter(marketplace_id=mp, oc_id=group)
    if not exists_locked(groups):
        raise CoreObjectNotFound("UserGroup", group)


def _security_profile_assignment_check(caller, path_params, data: dict) -> None:
    _party_group_check(caller, path_params, data)
    _party_user_check(caller, path_params, data)


def _user_group_assignment_check(caller, path_params, data: dict) -> None:
    _buyer_group_check(caller, path_params, {**data, "BuyerID": path_params["buyerID"]})
    _party_user_check(caller, path_params, data)


def _admin_user_group_assignment_check(caller, path_params, data: dict) -> None:
    """The group is one of the admin user groups, the user an admin user."""
    _party_group_check(caller, path_params, {"UserGroupID": data["UserGroupID"]})
    _party_user_check(caller, path_params, data)


def _supplier_user_group_assignment_check(caller, path_params, data: dict) -> None:
    """The group and the user are the path's supplier's: another supplier's user is not found."""
    _party_group_check(caller, path_params, {"UserGroupID": data["UserGroupID"], "SupplierID": path_params["supplierID"]})
    _party_user_check(caller, path_params, data)


SECURITY_PROFILE_ASSIGNMENTS = Assignment(
    sdk="SecurityProfiles",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.SecurityProfileAssignment,
    schema=s.SecurityProfileAssignment,
    path="/securityprofiles/assignments",
    read_roles=("SecurityProfileReader", "SecurityProfileAdmin"),
    write_roles=("SecurityProfileAdmin", "SetSecurityProfile"),
    keys=("SecurityProfileID", "BuyerID", "SupplierID", "UserID", "UserGroupID"),
    required=("SecurityProfileID",),
    list_params={
        "securityProfileID": "security_profile_id",
        "buyerID": "buyer_id",
        "supplierID": "supplier_id",
        "userID": "user_id",
        "userGroupID": "user_group_id",
    },
    refs={
        "SecurityProfileID": (m.SecurityProfile, "SecurityProfile"),
        "BuyerID": (m.Buyer, "Buyer"),
        "SupplierID": (m.Supplier, "Supplier"),
    },
    validate=_one_party("BuyerID", "SupplierID"),
    check=_security_profile_assignment_check,
    levels=("User", "Group", "Company"),
    commerce_roles=True,
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/securityprofiles/{securityProfileID}/assignments",
            path_columns={"securityProfileID": "security_profile_id"},
            query_columns={"buyerID": "buyer_id", "supplierID": "supplier_id", "userID": "user_id", "userGroupID": "user_group_id"},
        )
    ],
    tag="Security profiles",
)

USER_GROUP_ASSIGNMENTS = Assignment(
    sdk="UserGroups",
    list_op="ListUserAssignments",
    save_op="SaveUserAssignment",
    model=m.UserGroupAssignment,
    schema=s.UserGroupAssignment,
    path="/buyers/{buyerID}/usergroups/assignments",
    read_roles=("UserGroupReader", "UserGroupAdmin"),
    write_roles=("UserGroupAdmin",),
    keys=("UserGroupID", "UserID"),
    required=("UserGroupID", "UserID"),
    list_params={"userGroupID": "user_group_id", "userID": "user_id"},
    parent=BUYER_PARENT,
    check=_user_group_assignment_check,
    deletes=[
        AssignmentDelete(
            op="DeleteUserAssignment",
            path="/buyers/{buyerID}/usergroups/{userGroupID}/assignments/{userID}",
            path_columns={"userGroupID": "user_group_id", "userID": "user_id"},
        )
    ],
    tag="User groups",
)

ADMIN_USER_GROUP_ASSIGNMENTS = Assignment(
    sdk="AdminUserGroups",
    list_op="ListUserAssignments",
    save_op="SaveUserAssignment",
    model=m.AdminUserGroupAssignment,
    schema=s.UserGroupAssignment,
    path="/usergroups/assignments",
    read_roles=("AdminUserGroupReader", "AdminUserGroupAdmin"),
    write_roles=("AdminUserGroupAdmin",),
    keys=("UserGroupID", "UserID"),
    required=("UserGroupID", "UserID"),
    list_params={"userGroupID": "user_group_id", "userID": "user_id"},
    check=_admin_user_group_assignment_check,
    deletes=[
        AssignmentDelete(
            op="DeleteUserAssignment",
            path="/usergroups/{userGroupID}/assignments/{userID}",
            path_columns={"userGroupID": "user_group_id", "userID": "user_id"},
        )
    ],
    tag="Admin user groups",
)

SUPPLIER_USER_GROUP_ASSIGNMENTS = Assignment(
    sdk="SupplierUserGroups",
    list_op="ListUserAssignments",
    save_op="SaveUserAssignment",
    model=m.SupplierUserGroupAssignment,
    schema=s.UserGroupAssignment,
    path="/suppliers/{supplierID}/usergroups/assignments",
    read_roles=("SupplierUserGroupReader", "SupplierUserGroupAdmin"),
    write_roles=("SupplierUserGroupAdmin",),
    keys=("UserGroupID", "UserID"),
    required=("UserGroupID", "UserID"),
    list_params={"userGroupID": "user_group_id", "userID": "user_id"},
    parent=SUPPLIER_PARENT,
    check=_supplier_user_group_assignment_check,
    supplier_access=SupplierAccess(owner=None, parent_owner_column="oc_id"),  # its own supplier's
    deletes=[
        AssignmentDelete(
            op="DeleteUserAssignment",
            path="/suppliers/{supplierID}/usergroups/{userGroupID}/assignments/{userID}",
            path_columns={"userGroupID": "user_group_id", "userID": "user_id"},
        )
    ],
    tag="Supplier user groups",
)

def _address_assignment_check(caller, path_params, data: dict) -> None:
    """The address is one of the path's buyer's (not a user's own), the group one of its user groups,
    the user one of its users."""
    buyer = path_params["buyerID"]
    addresses = m.Address.objects.filter(marketplace_id=caller.marketplace_pk, buyer_id=buyer, supplier_id="",
                                         owner_user_id="", oc_id=data["AddressID"])  # fmt: skip
    if not exists_locked(addresses):
        raise CoreObjectNotFound("Address", data["AddressID"])
    _buyer_group_check(caller, path_params, {**data, "BuyerID": buyer})
    _party_user_check(caller, path_params, data)


ADDRESS_ASSIGNMENTS = Assignment(
    sdk="Addresses",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.AddressAssignment,
    schema=s.AddressAssignment,
    path="/buyers/{buyerID}/addresses/assignments",
    read_roles=("AddressReader", "AddressAdmin"),
    write_roles=("AddressAdmin",),
    keys=("AddressID", "UserID", "UserGroupID"),
    required=("AddressID",),
    list_params={"addressID": "address_id", "userID": "user_id", "userGroupID": "user_group_id"},
    bool_params={"isShipping": "is_shipping", "isBilling": "is_billing"},
    parent=BUYER_PARENT,
    validate=_one_party("UserID", "UserGroupID"),
    check=_address_assignment_check,
    levels=("User", "Group", "Company"),
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/buyers/{buyerID}/addresses/{addressID}/assignments",
            path_columns={"addressID": "address_id"},
            query_columns={"userID": "user_id", "userGroupID": "user_group_id"},
        )
    ],
    tag="Addresses",
)

CATALOG_ASSIGNMENTS = Assignment(
    sdk="Catalogs",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.CatalogAssignment,
    schema=s.CatalogAssignment,
    path="/catalogs/assignments",
    read_roles=("CatalogReader", "CatalogAdmin"),
    write_roles=("CatalogAdmin",),
    keys=("CatalogID", "BuyerID"),
    required=("CatalogID", "BuyerID"),
    list_params={"catalogID": "catalog_id", "buyerID": "buyer_id"},
    refs={"CatalogID": (m.Catalog, "Catalog"), "BuyerID": (m.Buyer, "Buyer")},
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/catalogs/{catalogID}/assignments",
            path_columns={"catalogID": "catalog_id"},
            query_columns={"buyerID": "buyer_id"},
        )
    ],
    tag="Catalogs",
)

PRODUCT_CATALOG_ASSIGNMENTS = Assignment(
    sdk="Catalogs",
    list_op="ListProductAssignments",
    save_op="SaveProductAssignment",
    model=m.ProductCatalogAssignment,
    schema=s.ProductCatalogAssignment,
    path="/catalogs/productassignments",
    read_roles=("CatalogReader", "CatalogAdmin"),
    write_roles=("CatalogAdmin",),
    keys=("CatalogID", "ProductID"),
    required=("CatalogID", "ProductID"),
    list_params={"catalogID": "catalog_id", "productID": "product_id"},
    refs={"CatalogID": (m.Catalog, "Catalog"), "ProductID": (m.Product, "Product")},
    deletes=[
        AssignmentDelete(
            op="DeleteProductAssignment",
            path="/catalogs/{catalogID}/productassignments/{productID}",
            path_columns={"catalogID": "catalog_id", "productID": "product_id"},
        )
    ],
    tag="Catalogs",
)

CATEGORY_PRODUCT_ASSIGNMENTS = Assignment(
    sdk="Categories",
    list_op="ListProductAssignments",
    save_op="SaveProductAssignment",
    model=m.CategoryProductAssignment,
    schema=s.CategoryProductAssignment,
    path="/catalogs/{catalogID}/categories/productassignments",
    read_roles=("CategoryReader", "CategoryAdmin"),
    write_roles=("CategoryAdmin",),
    keys=("CategoryID", "ProductID"),
    required=("CategoryID", "ProductID"),
    list_params={"categoryID": "category_id", "productID": "product_id"},
    refs={"ProductID": (m.Product, "Product")},
    check=_category_in_catalog_check,
    parent=Parent(param="catalogID", column="catalog_id", model=m.Catalog, object_type="Catalog"),
    deletes=[
        AssignmentDelete(
            op="DeleteProductAssignment",
            path="/catalogs/{catalogID}/categories/{categoryID}/productassignments/{productID}",
            path_columns={"categoryID": "category_id", "productID": "product_id"},
        )
    ],
    tag="Categories",
)


def _category_assignment_check(caller, path_params, data):
    _category_in_catalog_check(caller, path_params, data)
    _buyer_group_check(caller, path_params, data)


CATEGORY_ASSIGNMENTS = Assignment(
    sdk="Categories",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.CategoryAssignment,
    schema=s.CategoryAssignment,
    path="/catalogs/{catalogID}/categories/assignments",
    read_roles=("CategoryReader", "CategoryAdmin"),
    write_roles=("CategoryAdmin",),
    keys=("CategoryID", "BuyerID", "UserGroupID"),
    required=("CategoryID", "BuyerID"),
    list_params={"categoryID": "category_id", "buyerID": "buyer_id", "userGroupID": "user_group_id"},
    refs={"BuyerID": (m.Buyer, "Buyer")},
    parent=Parent(param="catalogID", column="catalog_id", model=m.Catalog, object_type="Catalog"),
    check=_category_assignment_check,
    levels=("Group", "Company"),
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/catalogs/{catalogID}/categories/{categoryID}/assignments",
            path_columns={"categoryID": "category_id"},
            query_columns={"buyerID": "buyer_id", "userGroupID": "user_group_id"},
            no_such_level=("userID",),  # the SDK documents it; these assignments have no user level
        )
    ],
    tag="Categories",
)

PRODUCT_ASSIGNMENTS = Assignment(
    sdk="Products",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.ProductAssignment,
    schema=s.ProductAssignment,
    path="/products/assignments",
    read_roles=("ProductReader", "ProductAdmin", "ProductAssignmentAdmin"),
    write_roles=("ProductAssignmentAdmin",),
    keys=("ProductID", "BuyerID", "UserGroupID", "SellerID"),  # the marketplace's and each supplier's
    required=("ProductID", "BuyerID"),
    list_params={
        "productID": "product_id",
        "priceScheduleID": "price_schedule_id",
        "buyerID": "buyer_id",
        "userGroupID": "user_group_id",
    },
    refs={
        "ProductID": (m.Product, "Product"),
        "BuyerID": (m.Buyer, "Buyer"),
        "PriceScheduleID": (m.PriceSchedule, "PriceSchedule"),
        "SellerID": (m.Supplier, "Supplier"),  # or the marketplace (seller_keys)
    },
    seller_keys=("SellerID",),
    check=_buyer_group_check,
    levels=("Group", "Company"),
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/products/{productID}/assignments/{buyerID}",
            path_columns={"productID": "product_id", "buyerID": "buyer_id"},
            query_columns={"userGroupID": "user_group_id", "sellerID": "seller_id"},
            no_such_level=("userID",),  # the SDK documents it; these assignments have no user level
        )
    ],
    tag="Products",
)

SPEC_PRODUCT_ASSIGNMENTS = Assignment(
    sdk="Specs",
    list_op="ListProductAssignments",
    save_op="SaveProductAssignment",
    model=m.SpecProductAssignment,
    schema=s.SpecProductAssignment,
    path="/specs/productassignments",
    read_roles=("ProductReader", "ProductAdmin"),
    write_roles=("ProductAdmin",),
    keys=("SpecID", "ProductID"),
    required=("SpecID", "ProductID"),
    list_params={},
    refs={"SpecID": (m.Spec, "Spec"), "ProductID": (m.Product, "Product")},
    search_fields=("SpecID", "ProductID"),  # the SDK's Searchable<'Specs.ListProductAssignments'>
    deletes=[
        AssignmentDelete(
            op="DeleteProductAssignment",
            path="/specs/{specID}/productassignments/{productID}",
            path_columns={"specID": "spec_id", "productID": "product_id"},
        )
    ],
    tag="Specs",
)

def _message_sender_names(marketplace_pk: int, items: list[dict]) -> None:
    """MessageConfigName / MessageConfigDescription: the message sender's Name and Description."""
    senders = {
        oc_id: (name, description)
        for oc_id, name, description in m.MessageSender.objects.filter(
            marketplace_id=marketplace_pk, oc_id__in={i["MessageSenderID"] for i in items}
        ).values_list("oc_id", "name", "description")
    }
    for item in items:
        name, description = senders.get(item["MessageSenderID"], (None, None))
        item["MessageConfigName"], item["MessageConfigDescription"] = name, description or None


MESSAGE_SENDER_ASSIGNMENTS = Assignment(
    sdk="MessageSenders",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.MessageSenderAssignment,
    schema=s.MessageSenderAssignment,
    path="/messagesenders/assignments",
    read_roles=("MessageSenderReader", "MessageSenderAdmin", "MessageConfigAssignmentAdmin"),
    write_roles=("MessageConfigAssignmentAdmin",),
    keys=("MessageSenderID", "BuyerID", "SupplierID", "UserGroupID"),
    required=("MessageSenderID",),
    list_params={
        "messageSenderID": "message_sender_id",
        "buyerID": "buyer_id",
        "supplierID": "supplier_id",
        "userGroupID": "user_group_id",
    },
    refs={
        "MessageSenderID": (m.MessageSender, "MessageSender"),
        "BuyerID": (m.Buyer, "Buyer"),
        "SupplierID": (m.Supplier, "Supplier"),
    },
    validate=_one_party("BuyerID", "SupplierID"),
    # a UserGroupID with BuyerID is that buyer's group, with SupplierID that supplier's
    # (SupplierUserGroups), alone an admin user group (AdminUserGroups), as for security profiles
    check=_party_group_check,
    levels=("Group", "Company"),
    readonly=("MessageConfigName", "MessageConfigDescription"),
    enrich=_message_sender_names,
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/messagesenders/{messageSenderID}/assignments",
            path_columns={"messageSenderID": "message_sender_id"},
            query_columns={"buyerID": "buyer_id", "supplierID": "supplier_id", "userGroupID": "user_group_id"},
            no_such_level=("userID",),  # the SDK documents it; these assignments have no user level
        )
    ],
    tag="Message senders",
)

BUNDLE_ASSIGNMENTS = Assignment(
    sdk="Bundles",
    list_op="ListAssignments",
    save_op="SaveAssignment",
    model=m.BundleAssignment,
    schema=s.BundleAssignment,
    path="/bundles/assignments",
    read_roles=("BundleReader", "BundleAdmin", "BundleAssignmentAdmin"),
    write_roles=("BundleAssignmentAdmin",),
    keys=("BundleID", "BuyerID", "UserGroupID", "SellerID"),
    required=("BundleID", "BuyerID"),
    list_params={"bundleID": "bundle_id", "buyerID": "buyer_id", "userGroupID": "user_group_id"},
    refs={"BundleID": (m.Bundle, "Bundle"), "BuyerID": (m.Buyer, "Buyer"), "SellerID": (m.Supplier, "Supplier")},
    seller_keys=("SellerID",),
    check=_buyer_group_check,
    levels=("Group", "Company"),
    deletes=[
        AssignmentDelete(
            op="DeleteAssignment",
            path="/bundles/{bundleID}/assignments/{buyerID}",
            path_columns={"bundleID": "bundle_id", "buyerID": "buyer_id"},
            query_columns={"userGroupID": "user_group_id", "sellerID": "seller_id"},
            no_such_level=("userID",),  # the SDK documents it; these assignments have no user level
        )
    ],
    tag="Bundles",
)

MSG_DEFAULT_QUANTITY = "DefaultQuantity must be at least 1."


def _bundle_product_validate(data: dict) -> None:
    quantity = data.get("DefaultQuantity")
    if quantity is not None and quantity < 1:
        raise InvalidRequest(MSG_DEFAULT_QUANTITY, data={"Field": "DefaultQuantity", "Value": quantity})


BUNDLE_PRODUCT_ASSIGNMENTS = Assignment(
    sdk="Bundles",
    list_op="ListProductAssignments",
    save_op="SaveProductAssignment",
    model=m.BundleProductAssignment,
    schema=s.BundleProductAssignment,
    path="/bundles/productassignments",
    read_roles=("BundleReader", "BundleAdmin"),
    write_roles=("BundleAdmin",),
    keys=("BundleID", "ProductID"),
    required=("ProductID", "BundleID", "Required"),
    list_params={"bundleID": "bundle_id", "productID": "product_id"},
    refs={"BundleID": (m.Bundle, "Bundle"), "ProductID": (m.Product, "Product")},
    validate=_bundle_product_validate,
    deletes=[
        AssignmentDelete(
            op="DeleteProductAssignment",
            path="/bundles/{bundleID}/productassignments/{productID}",
            path_columns={"bundleID": "bundle_id", "productID": "product_id"},
        )
    ],
    tag="Bundles",
)

BUNDLE_CATALOG_ASSIGNMENTS = Assignment(
    sdk="Catalogs",
    list_op="ListBundleAssignments",
    save_op="SaveBundleAssignment",
    model=m.BundleCatalogAssignment,
    schema=s.BundleCatalogAssignment,
    path="/catalogs/bundleassignments",
    read_roles=("CatalogReader", "CatalogAdmin"),
    write_roles=("CatalogAdmin",),
    keys=("CatalogID", "BundleID"),
    required=("CatalogID", "BundleID"),
    list_params={"catalogID": "catalog_id", "bundleID": "bundle_id"},
    refs={"CatalogID": (m.Catalog, "Catalog"), "BundleID": (m.Bundle, "Bundle")},
    deletes=[
        AssignmentDelete(
            op="DeleteBundleAssignment",
            path="/catalogs/{catalogID}/bundleassignments/{bundleID}",
            path_columns={"catalogID": "catalog_id", "bundleID": "bundle_id"},
        )
    ],
    tag="Catalogs",
)


CATEGORY_BUNDLE_ASSIGNMENTS = Assignment(
    sdk="Categories",
    list_op="ListBundleAssignments",
    save_op="SaveBundleAssignment",
    model=m.CategoryBundleAssignment,
    schema=s.CategoryBundleAssignment,
    path="/catalogs/{catalogID}/categories/bundleassignments",
    read_roles=("CategoryReader", "CategoryAdmin"),
    write_roles=("CategoryAdmin",),
    keys=("CategoryID", "BundleID"),
    required=("CategoryID", "BundleID"),
    list_params={"categoryID": "category_id", "bundleID": "bundle_id"},
    refs={"BundleID": (m.Bundle, "Bundle")},
    parent=Parent(param="catalogID", column="catalog_id", model=m.Catalog, object_type="Catalog"),
    check=_category_in_catalog_check,
    deletes=[
        AssignmentDelete(
            op="DeleteBundleAssignment",
            path="/catalogs/{catalogID}/categories/{categoryID}/bundleassignments/{bundleID}",
            path_columns={"categoryID": "category_id", "bundleID": "bundle_id"},
        )
    ],
    tag="Categories",
)

ASSIGNMENTS: list[Assignment] = [
    API_CLIENT_ASSIGNMENTS,
    SECURITY_PROFILE_ASSIGNMENTS,
    USER_GROUP_ASSIGNMENTS,
    ADMIN_USER_GROUP_ASSIGNMENTS,
    SUPPLIER_USER_GROUP_ASSIGNMENTS,
    ADDRESS_ASSIGNMENTS,
    CATALOG_ASSIGNMENTS,
    PRODUCT_CATALOG_ASSIGNMENTS,
    CATEGORY_PRODUCT_ASSIGNMENTS,
    CATEGORY_ASSIGNMENTS,
    PRODUCT_ASSIGNMENTS,
    SPEC_PRODUCT_ASSIGNMENTS,
    MESSAGE_SENDER_ASSIGNMENTS,
    BUNDLE_ASSIGNMENTS,
    BUNDLE_PRODUCT_ASSIGNMENTS,
    BUNDLE_CATALOG_ASSIGNMENTS,
    CATEGORY_BUNDLE_ASSIGNMENTS,
]
