"""`/v1/me`: the signed-in user's own view (the buyer perspective for buyer users).

A buyer user sees the active catalogs assigned to its buyer, their active categories (with
ViewAllCategories, else those its category assignments make visible), and the active products of
those catalogs it may see (`visible_products`), priced by the buyer's (or user group's) product
assignment or the product's default price schedule.
"""

from dataclasses import replace

from django.db import transaction
from django.db.models import Q

from coreapi import definitions as d
from coreapi import models as m
from coreapi import passwords
from coreapi import schemas as s
from coreapi.auth import Caller
from coreapi.category_tree import category_tree, depth_param, levels_below, levels_shown, pairs_q, within
from coreapi.errors import (
    MSG_ANONYMOUS_ME_WRITE,
    MSG_ANONYMOUS_PASSWORD,
    MSG_REQUIRED,
    CoreObjectNotFound,
    InsufficientRoles,
    InvalidRequest,
)
from coreapi.querying import ListSpec, apply_filters, list_params_parse, page_slice
from coreapi.selectors import user_group_ids

ME_READ = ("MeAdmin", "MeXpAdmin", "Shopper")
ME_WRITE = ("MeAdmin", "MeXpAdmin")
SHOPPER = ("Shopper",)
ME_EDITABLE = tuple(s.MeUserPatch.model_fields)  # Me.Patch changes these; the other fields are read-only


def _me_user(caller: Caller, *, lock: bool = False) -> m.CoreUser | None:
    if not caller.user_id:
        return None
    rows = m.CoreUser.objects.filter(
        marketplace_id=caller.marketplace_pk,
        kind=caller.user_type,
        company_id=caller.claims.company_id,
        oc_id=caller.user_id,
    )
    if lock:  # two password changes at once: the second checks the history the first saved
        return rows.select_for_update().first()
    # an admin's CompanyID is the marketplace ID: no second query
    return rows.select_related("marketplace").first()


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


def anonymous_refuse(caller: Caller, roles: tuple[str, ...]) -> None:
    """403 InsufficientRoles for an anonymous shopper's token (Auth.Anonymous: `orderid` claim). It
    acts as the client's DefaultContextUserName, a user every anonymous shopper shares: it may read
    as that user (Me.Get, Me.ListProducts, ...) but change nothing of it (Me.Patch / Save, its
    password, addresses or tokens), or one visitor would change it for all (and could set its
    password and sign in as it, or rename it so Auth.Anonymous fails)."""
    if caller.claims.anonymous:
        raise InsufficientRoles(roles, message=MSG_ANONYMOUS_ME_WRITE)


def me_write_check(caller: Caller) -> None:
    """Me.Patch / Me.Save: the roles (MeAdmin, or MeXpAdmin for xp), and not an anonymous token."""
    caller.require(ME_WRITE)
    anonymous_refuse(caller, ME_WRITE)


def me_patch(caller: Caller, data: dict) -> dict:
    me_write_check(caller)
    if not any(r in caller.roles for r in ("MeAdmin", "FullAccess")):
        data = {"xp": data["xp"]} if "xp" in data else {}  # MeXpAdmin edits xp only
    user = _me_user(caller)
    if user is None:
        raise CoreObjectNotFound("User", caller.user_id or caller.username)
    res = _user_resource(user.kind)
    path = {"buyerID": user.company_id, "supplierID": user.company_id}
    user = res.patch(caller, path, user.oc_id, {k: v for k, v in data.items() if k in ME_EDITABLE})
    return _me_body(caller, user)


# Me.Save's required fields, as the SDK's MeUser and OrderCloud's User (Users.Save); Active is required but read-only
ME_SAVE_REQUIRED = ("Username", "FirstName", "LastName", "Email", "Active")


def me_save(caller: Caller, data: dict) -> dict:
    """Me.Save (`PUT /v1/me`): the user replaces its own editable fields (Me.Patch's: Username,
    Password, FirstName, LastName, Email, Phone, TermsAccepted, xp), one left out being cleared
    (the Password kept), as Users.Save replaces a user; Username, FirstName, LastName, Email and
    Active are required, as there. The read-only fields (ID, Active, ...) are ignored, as in
    Me.Patch. With MeXpAdmin alone, only xp is replaced."""
    me_write_check(caller)
    for name in ME_SAVE_REQUIRED:
        if data.get(name) in (None, ""):
            raise InvalidRequest(MSG_REQUIRED.format(field=name), data={"Field": name})
    user = _me_user(caller)
    if user is None:
        raise CoreObjectNotFound("User", caller.user_id or caller.username)
    res = _user_resource(user.kind)
    current = res.serialize(user)
    xp_only = not any(r in caller.roles for r in ("MeAdmin", "FullAccess"))  # MeXpAdmin edits xp only
    body = {"ID": user.oc_id, "Active": user.active}
    for name in ME_EDITABLE:
        if name == "Password":
            if data.get("Password") and not xp_only:
                body["Password"] = data["Password"]
        elif xp_only and name != "xp":
            body[name] = current.get(name)
        else:
            body[name] = data.get(name)
    path = {"buyerID": user.company_id, "supplierID": user.company_id}
    user, _created = res.save(caller, path, user.oc_id, body)
    return _me_body(caller, user)


ME_PASSWORD = ("MeAdmin", "PasswordReset")  # Me.Patch's MeAdmin changes the Password too


@transaction.atomic
def me_password_reset(caller: Caller, data: dict) -> None:
    """Me.ResetPasswordByToken (`POST /v1/me/password`, TokenPasswordReset {NewPassword}): the
    signed-in user sets its own password, held to its security profiles' PasswordConfig
    (coreapi.passwords), MinimumPasswordAge included. An anonymous shopper's token is refused (403):
    it is not the user signed in."""
    caller.require(ME_PASSWORD)
    if caller.claims.anonymous:
        raise InsufficientRoles(ME_PASSWORD, message=MSG_ANONYMOUS_PASSWORD)
    new_password = data.get("NewPassword")
    if not new_password:
        raise InvalidRequest(MSG_REQUIRED.format(field="NewPassword"), data={"Field": "NewPassword"})
    user = _me_user(caller, lock=True)
    if user is None:  # a portal contributor's token: no user whose password could change
        raise CoreObjectNotFound("User", caller.user_id or caller.username)
    passwords.password_set(user=user, password=new_password, by_self=True)
    user.save(update_fields=["password", "password_history", "password_last_set_date", "password_set_by_self"])


def _catalog_access(caller: Caller) -> dict[str, m.CatalogAssignment]:
    """The buyer's catalog assignments to active catalogs, by catalog ID (none for other users)."""
    if caller.user_type != m.UserKind.BUYER:
        return {}
    active = m.Catalog.objects.filter(marketplace_id=caller.marketplace_pk, active=True).values("oc_id")
    return {
        a.catalog_id: a
        for a in m.CatalogAssignment.objects.filter(
            marketplace_id=caller.marketplace_pk, buyer_id=caller.claims.company_id, catalog_id__in=active
        )
    }


def _user_groups(caller: Caller) -> list[str]:
    user = _me_user(caller)
    return user_group_ids(marketplace_pk=caller.marketplace_pk, user=user) if user else []


def _category_grants(caller: Caller, catalog_ids: list[str], groups: list[str]) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(catalog, category) -> (visible, view_all_products) for this buyer user, for every active
    category of the catalogs: the category assignments of the buyer and of the user's groups, the
    first that sets a value on the way up from the category to its top-level parent deciding (at
    one level a true from any of the user's parties wins); nothing set anywhere = False."""
    if not catalog_ids:
        return {}
    mp = caller.marketplace_pk
    categories = {
        (c.catalog_id, c.oc_id): c
        for c in m.Category.objects.filter(marketplace_id=mp, catalog_id__in=catalog_ids).only(
            "catalog_id", "oc_id", "parent_id", "active"
        )
    }
    settings: dict[tuple[str, str], list[m.CategoryAssignment]] = {}
    for a in m.CategoryAssignment.objects.filter(
        marketplace_id=mp, catalog_id__in=catalog_ids, buyer_id=caller.claims.company_id,
        user_group_id__in=["", *groups],
    ):  # fmt: skip
        settings.setdefault((a.catalog_id, a.category_id), []).append(a)

    def resolve(key, attribute: str) -> bool:
        seen = set()
        while key in categories and key not in seen:
            seen.add(key)
            values = [getattr(a, attribute) for a in settings.get(key, []) if getattr(a, attribute) is not None]
            if values:
                return any(values)
            parent = categories[key].parent_id
            key = (key[0], parent) if parent else None
        return False

    return {
        key: (resolve(key, "visible"), resolve(key, "view_all_products"))
        for key, category in categories.items()
        if category.active
    }


def visible_products(caller: Caller, catalog_id: str | None, category_id: str | None, depth: int | None = None):
    """The products a buyer user sees (OrderCloud's product visibility rules): active, in an
    active catalog assigned to its buyer, and either the assignment has ViewAllProducts, or the
    product is in an active category whose ViewAllProducts the user is granted (category
    assignments, inherited down the tree), or the product is assigned to the buyer or one of the
    user's groups (ProductAssignment, with or without a price schedule)."""
    mp = caller.marketplace_pk
    access = _catalog_access(caller)
    if catalog_id:
        access = {c: a for c, a in access.items() if c == catalog_id}
    in_catalogs = m.ProductCatalogAssignment.objects.filter(marketplace_id=mp)
    open_catalogs = [c for c, a in access.items() if a.view_all_products]
    restricted = [c for c, a in access.items() if not a.view_all_products]
    visible = Q(oc_id__in=in_catalogs.filter(catalog_id__in=open_catalogs).values("product_id"))
    if restricted:
        groups = _user_groups(caller)
        granted = [key for key, (_, all_products) in _category_grants(caller, restricted, groups).items() if all_products]
        by_catalog: dict[str, list[str]] = {}
        for catalog, category in granted:
            by_catalog.setdefault(catalog, []).append(category)
        if by_catalog:
            pairs = Q()
            for catalog, categories in by_catalog.items():
                pairs |= Q(catalog_id=catalog, category_id__in=categories)
            visible |= Q(oc_id__in=m.CategoryProductAssignment.objects.filter(pairs, marketplace_id=mp).values("product_id"))
        assigned = m.ProductAssignment.objects.filter(
            marketplace_id=mp, buyer_id=caller.claims.company_id, user_group_id__in=["", *groups]
        ).values("product_id")
        visible |= Q(oc_id__in=assigned) & Q(oc_id__in=in_catalogs.filter(catalog_id__in=restricted).values("product_id"))
    qs = m.Product.objects.filter(visible, marketplace_id=mp, active=True)
    if category_id:  # the category and, `depth` levels down, its subcategories (default: all)
        tree = category_tree(mp, list(access))
        found = {c: [category_id] for c, i in tree if i == category_id and levels_below(tree, (c, i), "") is not None}
        if depth != 1:
            for catalog, ids in within(tree, category_id, None if depth is None else depth - 1).items():
                found.setdefault(catalog, []).extend(ids)
        pairs = pairs_q(found, "category_id")
        if pairs is None:
            return qs.none()
        in_category = m.CategoryProductAssignment.objects.filter(pairs, marketplace_id=mp).values("product_id")
        qs = qs.filter(oc_id__in=in_category)
    return qs


def me_catalog_get(caller: Caller, catalog_id: str) -> dict:
    """Me.GetCatalog (`GET /v1/me/catalogs/{catalogID}`): a catalog Me.ListCatalogs lists (active,
    assigned to the user's buyer); any other is 404 NotFound Catalog."""
    caller.require(SHOPPER)
    _catalog_require(catalog_id, _catalog_access(caller))
    row = m.Catalog.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=catalog_id).first()
    if row is None:
        raise CoreObjectNotFound("Catalog", catalog_id)
    return d.CATALOGS.serialize_many([row])[0]


def _category_catalogs(caller: Caller, access: dict[str, m.CatalogAssignment], catalog_id: str | None) -> list[str]:
    """The catalogs Me.ListCategories / Me.GetCategory look in: `catalogID` (a catalog the user does
    not see is 404 Catalog), else the buyer's default catalog if the user sees it, else all it sees
    (the SDK: "The user's default CatalogID will be used ... if you do not pass another")."""
    if catalog_id:
        _catalog_require(catalog_id, access)
        return [catalog_id]
    default = (m.Buyer.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=caller.claims.company_id)
               .values_list("default_catalog_id", flat=True).first())  # fmt: skip
    if default and default in access:  # a buyer without a (visible) default: all its catalogs
        return [default]
    return sorted(access)


def me_category_get(caller: Caller, category_id: str, *, catalog_id: str | None = None) -> dict:
    """Me.GetCategory (`GET /v1/me/categories/{categoryID}?catalogID=`): a category Me.ListCategories
    shows at some depth (in a catalog the user sees, it and every category above it active, and
    Visible to the user unless the catalog assignment has ViewAllCategories); any other is 404
    NotFound Category (a `catalogID` the user does not see: 404 Catalog)."""
    caller.require(SHOPPER)
    access = _catalog_access(caller)
    catalogs = _category_catalogs(caller, access, catalog_id)
    tree = category_tree(caller.marketplace_pk, catalogs)
    groups: list[str] | None = None
    for catalog in catalogs:
        key = (catalog, category_id)
        if key not in tree or levels_below(tree, key, "") is None:
            continue
        if not access[catalog].view_all_categories:
            groups = _user_groups(caller) if groups is None else groups
            if not _category_grants(caller, [catalog], groups).get(key, (False, False))[0]:
                continue
        return d.CATEGORIES.serialize_many([m.Category.objects.get(pk=tree[key].pk)])[0]  # every column
    raise CoreObjectNotFound("Category", category_id)


def _catalog_require(catalog_id: str, access: dict[str, m.CatalogAssignment]) -> None:
    """`catalogID` (Me.ListProducts, Me.ListCategories, Me.ListSpecs, Me.GetSpec): a catalog the user sees (an active
    one assigned to its buyer, `_catalog_access`), else 404 NotFound Catalog."""
    if catalog_id not in access:
        raise CoreObjectNotFound("Catalog", catalog_id)


def _taking(spec: ListSpec, *params: str) -> ListSpec:
    """The resource's list spec taking the Me operation's own query parameters (not filters) instead
    of the resource list's."""
    return replace(spec, extra_params=frozenset(params))


def _seller_is_marketplace(caller: Caller, seller_id: str) -> bool:
    """`sellerID` (Me.ListProducts, Me.GetProduct, Me.ListCatalogs): the marketplace's ID (True) or
    a supplier's (False); another ID is 404 NotFound Seller."""
    if seller_id == caller.marketplace_id:
        return True
    if not m.Supplier.objects.filter(marketplace_id=caller.marketplace_pk, oc_id=seller_id).exists():
        raise CoreObjectNotFound("Seller", seller_id)
    return False


def _seller_products(caller: Caller, seller_id: str) -> Q:
    """`sellerID` (Me.ListProducts): the products that seller sells, the marketplace (its ID: the
    products it owns) or a supplier (coreapi.definitions.products_sold_by); another ID is 404."""
    if _seller_is_marketplace(caller, seller_id):
        return Q(owner_id__in=["", seller_id])
    return d.products_sold_by(caller.marketplace_pk, seller_id)


def _seller_catalogs(caller: Caller, seller_id: str) -> Q:
    """`sellerID` (Me.ListCatalogs): the catalogs that seller owns (OwnerID), the marketplace's
    being those with its ID or none, as for its products; another ID is 404."""
    if _seller_is_marketplace(caller, seller_id):
        return Q(owner_id__in=["", seller_id])
    return Q(owner_id=seller_id)


def _with_prices(caller: Caller, rows: list[m.Product], seller_id: str | None = None) -> list[dict]:
    """The products with the price schedule the user buys at: its group's product assignment, else
    its buyer's, else the product's default. With a `seller_id`, that seller's pricing: only the
    assignments it made (SellerID; none = the marketplace's), and for a supplier its own default
    price schedule for the product (Products.SaveSupplier) before the product's."""
    items = d.PRODUCTS.serialize_many(rows)
    if not rows:
        return items
    buyer_id = caller.claims.company_id
    groups = _user_groups(caller)
    product_ids = [r.oc_id for r in rows]
    # only price schedules that exist: an assignment (or supplier default) naming a deleted one
    # took the place of the next price, and the product showed no PriceSchedule at all
    schedule_ids = m.PriceSchedule.objects.filter(marketplace_id=caller.marketplace_pk).values("oc_id")
    assignments = m.ProductAssignment.objects.filter(
        Q(user_group_id="") | Q(user_group_id__in=groups),
        marketplace_id=caller.marketplace_pk,
        buyer_id=buyer_id,
        product_id__in=product_ids,
        price_schedule_id__in=schedule_ids,
    )
    supplier_defaults: dict[str, str] = {}
    if seller_id == caller.marketplace_id:
        assignments = assignments.filter(seller_id__in=["", seller_id])
    elif seller_id:
        assignments = assignments.filter(seller_id=seller_id)
        supplier_defaults = dict(
            m.ProductSupplier.objects.filter(
                marketplace_id=caller.marketplace_pk, supplier_id=seller_id, product_id__in=product_ids,
                default_price_schedule_id__in=schedule_ids,
            ).values_list("product_id", "default_price_schedule_id")
        )
    # group level wins over company level; then (no seller asked for) the marketplace's own
    # assignment over a supplier's; then the first made
    best: dict[str, tuple] = {}
    for a in assignments:
        rank = (bool(a.user_group_id), a.seller_id in ("", caller.marketplace_id), -a.pk)
        if a.product_id not in best or rank > best[a.product_id][0]:
            best[a.product_id] = (rank, a.price_schedule_id)
    chosen: dict[str, str] = {product_id: schedule for product_id, (_rank, schedule) in best.items()}
    for r in rows:
        chosen.setdefault(r.oc_id, supplier_defaults.get(r.oc_id) or r.default_price_schedule_id)
    schedules = {
        ps.oc_id: d.PRICE_SCHEDULES.serialize(ps)
        for ps in m.PriceSchedule.objects.filter(
            marketplace_id=caller.marketplace_pk, oc_id__in=[v for v in chosen.values() if v]
        )
    }
    for item, row in zip(items, rows, strict=True):
        item["PriceSchedule"] = schedules.get(chosen.get(row.oc_id, ""))
    return items


def me_products_list(caller: Caller, request, *, catalog_id: str | None, category_id: str | None,
                     seller_id: str | None = None) -> dict:  # fmt: skip
    caller.require(SHOPPER)
    if catalog_id:  # as Me.ListCategories: a catalog the user does not see is not found (it was an empty list)
        _catalog_require(catalog_id, _catalog_access(caller))
    spec_extra = _taking(d.PRODUCTS.list_spec, "catalogID", "categoryID", "sellerID")
    params = list_params_parse(request, spec_extra)
    depth = depth_param(request, "all")  # relative to categoryID (the SDK: "Default is 'all'")
    qs = visible_products(caller, catalog_id, category_id, depth)
    if seller_id:
        qs = qs.filter(_seller_products(caller, seller_id))
    rows, meta = page_slice(apply_filters(qs, spec_extra, params), params)
    return {"Items": _with_prices(caller, rows, seller_id), "Meta": meta}


def visible_product(caller: Caller, product_id: str, catalog_id: str | None = None):
    """The product as the buyer user sees it (Me.GetProduct's rule, `visible_products`), as a
    queryset of at most one row; Me.ListSpecs / GetSpec, ListVariants and ListCategories check a
    product with it."""
    return visible_products(caller, catalog_id, None).filter(oc_id=product_id)


def visible_product_require(caller: Caller, product_id: str, catalog_id: str | None = None) -> None:
    """404 NotFound Product unless the buyer user sees the product (see `visible_product`)."""
    if not visible_product(caller, product_id, catalog_id).exists():
        raise CoreObjectNotFound("Product", product_id)


def me_product_get(caller: Caller, product_id: str, *, seller_id: str | None = None) -> dict:
    caller.require(SHOPPER)
    qs = visible_product(caller, product_id)
    if seller_id:
        qs = qs.filter(_seller_products(caller, seller_id))
    row = qs.first()
    if row is None:
        raise CoreObjectNotFound("Product", product_id)
    return _with_prices(caller, [row], seller_id)[0]


def me_catalogs_list(caller: Caller, request, *, seller_id: str | None = None) -> dict:
    """Me.ListCatalogs: the active catalogs assigned to the user's buyer; `sellerID`: of those, the
    ones that seller owns (`_seller_catalogs`)."""
    caller.require(SHOPPER)
    spec_extra = _taking(d.CATALOGS.list_spec, "sellerID")
    params = list_params_parse(request, spec_extra)
    qs = m.Catalog.objects.filter(marketplace_id=caller.marketplace_pk, oc_id__in=list(_catalog_access(caller)))
    if seller_id:
        qs = qs.filter(_seller_catalogs(caller, seller_id))
    rows, meta = page_slice(apply_filters(qs, spec_extra, params), params)
    return {"Items": d.CATALOGS.serialize_many(rows), "Meta": meta}


def me_categories_list(caller: Caller, request, *, catalog_id: str | None, product_id: str | None = None) -> dict:
    caller.require(SHOPPER)
    access = _catalog_access(caller)
    catalogs = _category_catalogs(caller, access, catalog_id)
    spec_extra = _taking(d.CATEGORIES.list_spec, "catalogID", "productID")
    params = list_params_parse(request, spec_extra)
    # `depth` levels of the tree (the SDK: "Default is 1", the top level), counted from the category
    # a plain ParentID filter names (its children are level 1), else from the catalog's top; with a
    # productID, the categories the product is in at any level unless a depth is given
    tree = category_tree(caller.marketplace_pk, catalogs)
    shown = levels_shown(request, params, tree, default_depth="all" if product_id else "1", active_only=True)
    if shown is None:
        return {"Items": [], "Meta": page_slice(m.Category.objects.none(), params)[1]}
    qs = m.Category.objects.filter(shown, marketplace_id=caller.marketplace_pk)
    if product_id:  # a product the user sees (else 404, as Me.GetProduct), in the categories it is assigned to
        visible_product_require(caller, product_id)
        in_categories = m.CategoryProductAssignment.objects.filter(
            marketplace_id=caller.marketplace_pk, catalog_id__in=catalogs, product_id=product_id
        ).values_list("catalog_id", "category_id")
        found: dict[str, list[str]] = {}
        for catalog, category in in_categories:
            found.setdefault(catalog, []).append(category)
        assigned = pairs_q(found)
        if assigned is None:
            return {"Items": [], "Meta": page_slice(m.Category.objects.none(), params)[1]}
        qs = qs.filter(assigned)
    restricted = [c for c in catalogs if not access[c].view_all_categories]
    if restricted:  # only the categories the user is granted (Visible, inherited down the tree)
        shown = Q(catalog_id__in=[c for c in catalogs if c not in restricted])
        for (catalog, category), (is_visible, _) in _category_grants(caller, restricted, _user_groups(caller)).items():
            if is_visible:
                shown |= Q(catalog_id=catalog, oc_id=category)
        qs = qs.filter(shown)
    rows, meta = page_slice(apply_filters(qs, spec_extra, params), params)
    if not rows:
        return {"Items": [], "Meta": meta}
    return {"Items": d.CATEGORIES.serialize_many(rows), "Meta": meta}



def _me_specs(caller: Caller, product_id: str, catalog_id: str | None):
    """The specs assigned to a product the buyer user sees (404 Product for any other product;
    a `catalog_id` the user does not see is 404 Catalog, as Me.ListCategories)."""
    caller.require(SHOPPER)
    if catalog_id:
        _catalog_require(catalog_id, _catalog_access(caller))
    visible_product_require(caller, product_id, catalog_id)
    mp = caller.marketplace_pk
    assigned = m.SpecProductAssignment.objects.filter(marketplace_id=mp, product_id=product_id).values("spec_id")
    return m.Spec.objects.filter(marketplace_id=mp, oc_id__in=assigned)


def me_specs_list(caller: Caller, request, *, product_id: str, catalog_id: str | None = None) -> dict:
    """Me.ListSpecs: the product's specs with their options (`catalogID`: the product as seen in
    that catalog)."""
    spec_extra = _taking(d.SPECS.list_spec, "catalogID")
    params = list_params_parse(request, spec_extra)
    qs = _me_specs(caller, product_id, catalog_id)
    rows, meta = page_slice(apply_filters(qs, spec_extra, params), params)
    return {"Items": d.SPECS.serialize_many(rows), "Meta": meta}


def me_spec_get(caller: Caller, *, product_id: str, spec_id: str, catalog_id: str | None = None) -> dict:
    """Me.GetSpec: one spec of a product the buyer user sees; a spec not assigned to it is 404."""
    row = _me_specs(caller, product_id, catalog_id).filter(oc_id=spec_id).first()
    if row is None:
        raise CoreObjectNotFound("Spec", spec_id)
    return d.SPECS.serialize_many([row])[0]
