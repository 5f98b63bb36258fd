"""`/v1/me`: the signed-in user's own view (the buyer perspective for buyer users).

A buyer user sees the catalogs assigned to its buyer, their active categories, and the active
products assigned to those catalogs, priced by the buyer's (or user group's) product assignment
or the product's default price schedule.
"""

from django.db.models import Q

from coreapi import definitions as d
from coreapi import models as m
from coreapi.auth import Caller
from coreapi.errors import CoreObjectNotFound
from coreapi.querying import apply_filters, list_params_parse, page_slice
from coreapi.selectors import user_group_ids

ME_READ = ("MeAdmin", "MeXpAdmin", "Shopper")
ME_WRITE = ("MeAdmin", "MeXpAdmin")
SHOPPER = ("Shopper",)
ME_EDITABLE = ("Username", "Password", "FirstName", "LastName", "Email", "Phone", "TermsAccepted", "xp")


def _me_user(caller: Caller) -> m.CoreUser | None:
    if not caller.user_id:
        return None
    return (
        m.CoreUser.objects.filter(
            marketplace_id=caller.marketplace_pk,
            kind=caller.user_type,
            company_id=caller.claims.company_id,
            oc_id=caller.user_id,
        )
        .select_related("marketplace")  # an admin's CompanyID is the marketplace ID: no second query
        .first()
    )


def _user_resource(kind: str):
    return {m.UserKind.ADMIN: d.ADMIN_USERS, m.UserKind.BUYER: d.USERS}.get(kind, d.SUPPLIER_USERS)


def _me_body(caller: Caller, user: m.CoreUser | None) -> dict:
    if user is None:  # a portal contributor's token: an admin that does not exist in the marketplace
        body = {name: None for name in d.USERS.field_names if name != "Password"}
        body.update(
            ID=caller.user_id or None,
            Username=caller.username,
            Active=True,
            CompanyID=caller.marketplace_id,
            AvailableRoles=list(caller.roles),
            xp={},
        )
    else:
        body = _user_resource(user.kind).serialize_many([user])[0]
    body["Buyer"] = body["Supplier"] = body["Seller"] = None
    if caller.user_type == m.UserKind.BUYER:
        buyer = m.Buyer.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=caller.claims.company_id).first()
        body["Buyer"] = {"ID": caller.claims.company_id, "DefaultCatalogID": (buyer.default_catalog_id or None) if buyer else None}
    elif caller.user_type == m.UserKind.SUPPLIER:
        body["Supplier"] = {"ID": caller.claims.company_id}
    else:
        body["Seller"] = {"ID": caller.marketplace_id}
    return body


def me_get(caller: Caller) -> dict:
    caller.require(ME_READ)
    user = _me_user(caller)
    if user is None and caller.user_id:
        raise CoreObjectNotFound("User", caller.user_id)
    return _me_body(caller, user)


def me_patch(caller: Caller, data: dict) -> dict:
    caller.require(ME_WRITE)
    if not any(r in caller.roles for r in ("MeAdmin", "FullAccess")):
        data = {"xp": data["xp"]} if "xp" in data else {}  # MeXpAdmin edits xp only
    user = _me_user(caller)
    if user is None:
        raise CoreObjectNotFound("User", caller.user_id or caller.username)
    res = _user_resource(user.kind)
    path = {"buyerID": user.company_id, "supplierID": user.company_id}
    user = res.patch(caller, path, user.oc_id, {k: v for k, v in data.items() if k in ME_EDITABLE})
    return _me_body(caller, user)


def _buyer_catalog_ids(caller: Caller) -> list[str]:
    if caller.user_type != m.UserKind.BUYER:
        return []
    return list(
        m.CatalogAssignment.objects.filter(
            marketplace_id=caller.marketplace_pk, buyer_id=caller.claims.company_id
        ).values_list("catalog_id", flat=True)
    )


def visible_products(caller: Caller, catalog_id: str | None, category_id: str | None):
    catalogs = _buyer_catalog_ids(caller)
    if catalog_id:
        catalogs = [c for c in catalogs if c == catalog_id]
    assigned = m.ProductCatalogAssignment.objects.filter(
        marketplace_id=caller.marketplace_pk, catalog_id__in=catalogs
    ).values("product_id")
    qs = m.Product.objects.filter(marketplace_id=caller.marketplace_pk, active=True, oc_id__in=assigned)
    if category_id:
        in_category = m.CategoryProductAssignment.objects.filter(
            marketplace_id=caller.marketplace_pk, catalog_id__in=catalogs, category_id=category_id
        ).values("product_id")
        qs = qs.filter(oc_id__in=in_category)
    return qs


def _with_prices(caller: Caller, rows: list[m.Product]) -> list[dict]:
    items = d.PRODUCTS.serialize_many(rows)
    if not rows:
        return items
    buyer_id = caller.claims.company_id
    user = _me_user(caller)
    groups = user_group_ids(marketplace_pk=caller.marketplace_pk, user=user) if user else []
    chosen: dict[str, str] = {}
    for a in m.ProductAssignment.objects.filter(
        Q(user_group_id="") | Q(user_group_id__in=groups),
        marketplace_id=caller.marketplace_pk,
        buyer_id=buyer_id,
        product_id__in=[r.oc_id for r in rows],
    ).exclude(price_schedule_id=""):
        if a.user_group_id or a.product_id not in chosen:  # group level wins over company level
            chosen[a.product_id] = a.price_schedule_id
    for r in rows:
        chosen.setdefault(r.oc_id, r.default_price_schedule_id)
    schedules = {
        ps.oc_id: d.PRICE_SCHEDULES.serialize(ps)
        for ps in m.PriceSchedule.objects.filter(
            marketplace_id=caller.marketplace_pk, oc_id__in=[v for v in chosen.values() if v]
        )
    }
    for item, row in zip(items, rows, strict=True):
        item["PriceSchedule"] = schedules.get(chosen.get(row.oc_id, ""))
    return items


def me_products_list(caller: Caller, request, *, catalog_id: str | None, category_id: str | None) -> dict:
    caller.require(SHOPPER)
    spec = d.PRODUCTS.list_spec
    spec_extra = type(spec)(**{**spec.__dict__, "extra_params": frozenset({"catalogID", "categoryID", "sellerID"})})
    params = list_params_parse(request, spec_extra)
    qs = apply_filters(visible_products(caller, catalog_id, category_id), spec_extra, params)
    rows, meta = page_slice(qs, params)
    return {"Items": _with_prices(caller, rows), "Meta": meta}


def me_product_get(caller: Caller, product_id: str) -> dict:
    caller.require(SHOPPER)
    row = visible_products(caller, None, None).filter(oc_id=product_id).first()
    if row is None:
        raise CoreObjectNotFound("Product", product_id)
    return _with_prices(caller, [row])[0]


def me_catalogs_list(caller: Caller, request) -> dict:
    caller.require(SHOPPER)
    qs = m.Catalog.objects.filter(marketplace_id=caller.marketplace_pk, oc_id__in=_buyer_catalog_ids(caller))
    params = list_params_parse(request, d.CATALOGS.list_spec)
    rows, meta = page_slice(apply_filters(qs, d.CATALOGS.list_spec, params), params)
    return {"Items": d.CATALOGS.serialize_many(rows), "Meta": meta}


def me_categories_list(caller: Caller, request, *, catalog_id: str | None) -> dict:
    caller.require(SHOPPER)
    catalogs = _buyer_catalog_ids(caller)
    if catalog_id:
        if catalog_id not in catalogs:
            raise CoreObjectNotFound("Catalog", catalog_id)
        catalogs = [catalog_id]
    qs = m.Category.objects.filter(marketplace_id=caller.marketplace_pk, catalog_id__in=catalogs, active=True)
    spec = d.CATEGORIES.list_spec
    spec_extra = type(spec)(**{**spec.__dict__, "extra_params": frozenset({"catalogID", "productID"})})
    params = list_params_parse(request, spec_extra)
    rows, meta = page_slice(apply_filters(qs, spec_extra, params), params)
    if not rows:
        return {"Items": [], "Meta": meta}
    return {"Items": d.CATEGORIES.serialize_many(rows), "Meta": meta}

