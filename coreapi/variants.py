"""Product variants and a product's specs: Products.GenerateVariants, Products.ListSpecs and the
buyer's view of them (Me.ListVariants, Me.GetVariant). The variants themselves are the declared
resource `definitions.VARIANTS` (ListVariants, GetVariant, SaveVariant, PatchVariant).

Generating (OrderCloud's rules, API release notes v1.0.12 and "Child Products vs. Generated
Variants"):
- The product's *variant specs* are the specs assigned to it with DefinesVariant = true, in
  ListOrder (then ID) order; each contributes its options, in ListOrder (then ID) order. A variant
  spec without options is skipped: it has nothing to vary.
- One variant per combination of one option of each variant spec. Its ID is
  `{ProductID}-{OptionID}-{OptionID}...` (the ID Headstart's seller app patches right after
  GenerateVariants) and its Name `{ProductID} {Value} {Value}...`; both can be changed afterwards
  with SaveVariant / PatchVariant.
- Active is the product's, unless the body's VariantOverrides.Active says otherwise.
- Without `overwriteExisting` only the missing combinations are added: existing variants (matched
  by their combination, not their ID, which may have been changed) are kept as they are, including
  those whose spec is no longer assigned. With `overwriteExisting=true` every variant of the
  product is deleted first and all are generated anew.
- The built-in API refuses more than VARIANT_LIMIT combinations with a 400 instead of writing
  them (OrderCloud's own limit is not documented).
"""

from __future__ import annotations

import itertools
import math

from django.db import transaction

from coreapi import definitions as d
from coreapi import models as m
from coreapi.auth import Caller
from coreapi.errors import CoreObjectNotFound, InvalidRequest
from coreapi.querying import apply_filters, list_params_parse, page_slice
from coreapi.resources import ID_PATTERN, new_id

VARIANT_LIMIT = 1000
MSG_TOO_MANY = (
    "These variant specs make {count} combinations; at most {limit} variants can be generated for a "
    "product. Use fewer variant specs or options."
)
GENERATE_DESCRIPTION = (
    "One variant per combination of the options of the product's variant specs (DefinesVariant), "
    "ID `{ProductID}-{OptionID}-...`. Existing combinations are kept unless `overwriteExisting=true`, "
    f"which deletes every variant first. At most {VARIANT_LIMIT} combinations."
)
READ = (*d.PRODUCTS.read_roles, *d.PRODUCTS.write_roles)


def _variant_specs(marketplace_pk: int, product_id: str) -> list[tuple[m.Spec, list[m.SpecOption]]]:
    assigned = m.SpecProductAssignment.objects.filter(marketplace_id=marketplace_pk, product_id=product_id)
    specs = list(
        m.Spec.objects.filter(
            marketplace_id=marketplace_pk, defines_variant=True, oc_id__in=assigned.values("spec_id")
        ).order_by("list_order", "oc_id")
    )
    options: dict[str, list[m.SpecOption]] = {}
    for option in m.SpecOption.objects.filter(
        marketplace_id=marketplace_pk, spec_id__in=[spec.oc_id for spec in specs]
    ).order_by("list_order", "oc_id"):
        options.setdefault(option.spec_id, []).append(option)
    return [(spec, options[spec.oc_id]) for spec in specs if options.get(spec.oc_id)]


def _combination_key(specs: list[dict]) -> frozenset:
    return frozenset((sp.get("SpecID"), sp.get("OptionID")) for sp in specs)


@transaction.atomic
def variants_generate(caller: Caller, *, product_id: str, overwrite: bool, active: bool | None) -> m.Product:
    """Generate the product's variants (see the module rules); the product, locked while its
    variants are written so two generates of one product run one after the other."""
    caller.require(d.PRODUCTS.write_roles, seller_only=True)
    mp = caller.marketplace_pk
    product = m.Product.objects.select_for_update().filter(marketplace_id=mp, oc_id=product_id).first()
    if product is None:
        raise CoreObjectNotFound("Product", product_id)
    variant_specs = _variant_specs(mp, product.oc_id)
    count = math.prod(len(options) for _, options in variant_specs) if variant_specs else 0
    if count > VARIANT_LIMIT:
        raise InvalidRequest(MSG_TOO_MANY.format(count=count, limit=VARIANT_LIMIT), data={"Count": count})
    variants = m.Variant.objects.filter(marketplace_id=mp, product_id=product.oc_id)
    if overwrite:
        variants.delete()
    existing = list(variants.only("oc_id", "specs"))
    taken_ids = {v.oc_id for v in existing}
    taken_combinations = {_combination_key(v.specs or []) for v in existing}
    rows = []
    for combination in itertools.product(*(options for _, options in variant_specs)) if variant_specs else ():
        specs = [
            {
                "SpecID": spec.oc_id,
                "Name": spec.name,
                "OptionID": option.oc_id,
                "Value": option.value,
                "PriceMarkupType": option.price_markup_type,
                "PriceMarkup": option.price_markup,
            }
            for (spec, _), option in zip(variant_specs, combination, strict=True)
        ]
        key = _combination_key(specs)
        if key in taken_combinations:
            continue
        variant_id = "-".join([product.oc_id, *(option.oc_id for option in combination)])
        if len(variant_id) > 100 or not ID_PATTERN.match(variant_id) or variant_id in taken_ids:
            variant_id = new_id()  # too long for an ID, or the ID was given to another variant
        taken_ids.add(variant_id)
        taken_combinations.add(key)
        name = " ".join([product.oc_id, *(option.value or option.oc_id for option in combination)])
        rows.append(m.Variant(
            marketplace_id=mp, product_id=product.oc_id, oc_id=variant_id, name=name[:200],
            active=product.active if active is None else active, specs=specs,
        ))  # fmt: skip
    m.Variant.objects.bulk_create(rows)
    return product


def product_specs_list(caller: Caller, request, *, product_id: str) -> dict:
    """Products.ListSpecs: the specs assigned to the product (with their options)."""
    caller.require(READ, seller_only=True)
    mp = caller.marketplace_pk
    if not m.Product.objects.filter(marketplace_id=mp, oc_id=product_id).exists():
        raise CoreObjectNotFound("Product", product_id)
    assigned = m.SpecProductAssignment.objects.filter(marketplace_id=mp, product_id=product_id).values("spec_id")
    qs = m.Spec.objects.filter(marketplace_id=mp, oc_id__in=assigned)
    params = list_params_parse(request, d.SPECS.list_spec)
    rows, meta = page_slice(apply_filters(qs, d.SPECS.list_spec, params), params)
    return {"Items": d.SPECS.serialize_many(rows), "Meta": meta}


def me_variants(caller: Caller, product_id: str):
    """The active variants of a product the buyer user can see (404 for any other product)."""
    from coreapi.me import SHOPPER, visible_product_require

    caller.require(SHOPPER)
    visible_product_require(caller, product_id)
    return m.Variant.objects.filter(marketplace_id=caller.marketplace_pk, product_id=product_id, active=True)


def me_variants_list(caller: Caller, request, *, product_id: str) -> dict:
    qs = me_variants(caller, product_id)
    params = list_params_parse(request, d.VARIANTS.list_spec)
    rows, meta = page_slice(apply_filters(qs, d.VARIANTS.list_spec, params), params)
    return {"Items": d.VARIANTS.serialize_many(rows), "Meta": meta}


def me_variant_get(caller: Caller, *, product_id: str, variant_id: str) -> dict:
    row = me_variants(caller, product_id).filter(oc_id=variant_id).first()
    if row is None:
        raise CoreObjectNotFound("Variant", variant_id)
    return d.VARIANTS.serialize_many([row])[0]
