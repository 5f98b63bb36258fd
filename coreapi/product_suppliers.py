"""The suppliers that sell a product: Products.ListSuppliers, Products.SaveSupplier and
Products.RemoveSupplier (`/v1/products/{productID}/suppliers[/{supplierID}]`).

A ProductSupplier row says that a supplier sells the product, optionally at its own default price
schedule (`defaultPriceScheduleID`, a query parameter of SaveSupplier in the SDK). The list shows
the suppliers themselves (the SDK's ProductSupplier = Supplier fields + DefaultPriceScheduleID);
Products.List?supplierID=... finds the products a supplier sells this way, owns or is the default
supplier of (definitions.PRODUCTS.narrow).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Subquery

from coreapi import definitions as d
from coreapi import models as m
from coreapi.auth import Caller
from coreapi.errors import CoreObjectNotFound
from coreapi.querying import apply_filters, list_params_parse, page_slice

READ = (*d.PRODUCTS.read_roles, *d.PRODUCTS.write_roles)
WRITE = d.PRODUCTS.write_roles
# Filters, search and sort on the supplier's fields (DefaultPriceScheduleID is shown, not filtered on).
LIST_SPEC = d.SUPPLIERS.list_spec


def _product_exists(caller: Caller, product_id: str) -> None:
    if not m.Product.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=product_id).exists():
        raise CoreObjectNotFound("Product", product_id)


def _supplier_exists(caller: Caller, supplier_id: str) -> None:
    if not m.Supplier.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=supplier_id).exists():
        raise CoreObjectNotFound("Supplier", supplier_id)


def product_suppliers_list(caller: Caller, request, *, product_id: str) -> dict:
    caller.require(READ, seller_only=True)
    _product_exists(caller, product_id)
    mp = caller.marketplace_pk
    links = m.ProductSupplier.objects.filter(marketplace_id=mp, product_id=product_id)
    qs = m.Supplier.objects.filter(marketplace_id=mp, oc_id__in=links.values("supplier_id")).annotate(
        default_price_schedule_id=Subquery(links.filter(supplier_id=OuterRef("oc_id")).values("default_price_schedule_id")[:1])
    )
    params = list_params_parse(request, LIST_SPEC)
    rows, meta = page_slice(apply_filters(qs, LIST_SPEC, params), params)
    items = d.SUPPLIERS.serialize_many(rows)
    for row, item in zip(rows, items, strict=True):
        item["DefaultPriceScheduleID"] = row.default_price_schedule_id or None
    return {"Items": items, "Meta": meta}


@transaction.atomic
def product_supplier_save(caller: Caller, *, product_id: str, supplier_id: str, default_price_schedule_id: str | None) -> None:
    """Create or update (PUT semantics: an omitted defaultPriceScheduleID clears it)."""
    caller.require(WRITE, seller_only=True)
    _product_exists(caller, product_id)
    _supplier_exists(caller, supplier_id)
    mp = caller.marketplace_pk
    schedule = default_price_schedule_id or ""
    if schedule and not m.PriceSchedule.objects.filter(marketplace_id=mp, oc_id=schedule).exists():
        raise CoreObjectNotFound("PriceSchedule", schedule)
    m.ProductSupplier.objects.update_or_create(
        marketplace_id=mp, product_id=product_id, supplier_id=supplier_id,
        defaults={"default_price_schedule_id": schedule},
    )  # fmt: skip


@transaction.atomic
def product_supplier_remove(caller: Caller, *, product_id: str, supplier_id: str) -> None:
    caller.require(WRITE, seller_only=True)
    _product_exists(caller, product_id)
    _supplier_exists(caller, supplier_id)
    m.ProductSupplier.objects.filter(
        marketplace_id=caller.marketplace_pk, product_id=product_id, supplier_id=supplier_id
    ).delete()
