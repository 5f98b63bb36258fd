"""Category trees and the `depth` query parameter, shared by the buyer's lists (/v1/me/categories,
/v1/me/products?categoryID=...) and the admin Categories.List.

`depth` as the SDK documents it: how many levels of the tree a list covers ('all' or a whole number
of 1 or greater), counted from the category a plain `ParentID` filter names (its children are
level 1), else from the catalog's top level. For buyers an inactive category hides everything
under it (`active_only`); an admin sees inactive categories like any other.
"""

from django.db.models import Q

from coreapi import models as m
from coreapi.errors import MSG_BAD_DEPTH, InvalidRequest
from coreapi.querying import ListParams

Tree = dict[tuple[str, str], m.Category]


def depth_param(request, default: str) -> int | None:
    """The `depth` query parameter: how many levels of the category tree a list covers, counted
    from its starting point (None: 'all')."""
    raw = (request.GET.get("depth") or default).strip()
    if raw.lower() == "all":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise InvalidRequest(MSG_BAD_DEPTH, data={"Parameter": "depth", "Value": raw})
    return value


def category_tree(marketplace_pk: int, catalog_ids: list[str]) -> Tree:
    """(catalog, category) -> its row (ID, parent, active): the catalogs' category trees."""
    rows = m.Category.objects.filter(marketplace_id=marketplace_pk, catalog_id__in=catalog_ids)
    return {(c.catalog_id, c.oc_id): c for c in rows.only("catalog_id", "oc_id", "parent_id", "active")}


def levels_below(tree: Tree, key: tuple[str, str], top: str, *, active_only: bool = True) -> int | None:
    """How many levels `key` is below `top` (a category ID; "" for the catalog's top level): 1 for
    a child of `top`. None when it is not under `top`, or (`active_only`) it or a category above it
    is inactive (OrderCloud: an inactive category hides every category and product under it)."""
    level, below, seen = 0, None, set()
    while key in tree and key not in seen:
        seen.add(key)
        category = tree[key]
        if active_only and not category.active:
            return None
        level += 1
        if category.parent_id == top:
            below = level
        if not category.parent_id:
            return below
        key = (key[0], category.parent_id)
    if key in seen:
        return None  # a loop: not shown
    if below is None and top == "":
        return level  # under a deleted parent: its chain starts at the top
    return below


def within(tree: Tree, top: str, depth: int | None, *, active_only: bool = True) -> dict[str, list[str]]:
    """{catalog: [category IDs]} of the categories at most `depth` levels below `top`."""
    found: dict[str, list[str]] = {}
    for key in tree:
        level = levels_below(tree, key, top, active_only=active_only)
        if level is not None and (depth is None or level <= depth):
            found.setdefault(key[0], []).append(key[1])
    return found


def pairs_q(found: dict[str, list[str]], column: str = "oc_id") -> Q | None:
    q = None
    for catalog, ids in found.items():
        part = Q(catalog_id=catalog, **{f"{column}__in": ids})
        q = part if q is None else q | part
    return q


def levels_shown(request, params: ListParams, tree: Tree, *, default_depth: str, active_only: bool) -> Q | None:
    """The categories of `tree` a list shows by its `depth` (default `default_depth`): counted
    from the category a plain `ParentID=x` filter names (that filter is then consumed: removed
    from `params`), else from the top. A ParentID filter with operators (`a|b`, `!*`, ...) stays
    a filter, and without an explicit depth it alone says which levels. None: nothing shown."""
    depth = depth_param(request, default_depth)
    parent_filters = [value for name, value in params.filters if name == "ParentID"]
    top = ""
    if len(parent_filters) == 1 and not any(ch in parent_filters[0] for ch in "*|!<>"):
        top = parent_filters[0]
        params.filters = [(name, value) for name, value in params.filters if name != "ParentID"]
    elif parent_filters and not request.GET.get("depth"):
        depth = None  # ParentID=a|b, ParentID=!*...: the filter itself says which levels
    return pairs_q(within(tree, top, depth, active_only=active_only))
