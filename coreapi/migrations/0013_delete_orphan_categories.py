"""Delete the categories left orphaned before deleting a category took its subcategories along
(commit 1e217e0): a category whose ParentID names no category of its catalog, with every category
under it, at every depth, and their product, bundle and buyer / user group assignments, which is
what deleting the parent does now (definitions._category_after_delete, as OrderCloud deletes a
subtree). They are deleted rather than made top-level categories: their parent was deleted, and
the subtree was meant to go with it; no API call ever made them top-level."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Exists, OuterRef

CHUNK = 500  # IDs in one IN (...): well under any SQLite's limit of bound variables
ASSIGNMENT_MODELS = ("CategoryProductAssignment", "CategoryAssignment", "CategoryBundleAssignment")


def _chunks(ids: list[str]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _by_catalog(keys) -> dict[tuple[int, str], list[str]]:
    grouped: dict[tuple[int, str], list[str]] = defaultdict(list)
    for marketplace_pk, catalog_id, category_id in keys:
        grouped[(marketplace_pk, catalog_id)].append(category_id)
    return grouped


def delete_orphan_categories(apps, schema_editor) -> int:
    """Delete the orphans and their subtrees (with their assignments); the number of categories deleted."""
    alias = schema_editor.connection.alias
    categories = apps.get_model("coreapi", "Category").objects.using(alias)
    parent = categories.filter(
        marketplace_id=OuterRef("marketplace_id"), catalog_id=OuterRef("catalog_id"), oc_id=OuterRef("parent_id")
    )
    level = set(
        categories.exclude(parent_id="").filter(~Exists(parent)).values_list("marketplace_id", "catalog_id", "oc_id")
    )
    doomed: set[tuple[int, str, str]] = set()
    while level:  # level by level down the orphans' subtrees
        doomed |= level
        children = set()
        for (marketplace_pk, catalog_id), ids in _by_catalog(level).items():
            for chunk in _chunks(ids):
                children.update(
                    categories.filter(marketplace_id=marketplace_pk, catalog_id=catalog_id, parent_id__in=chunk)
                    .values_list("marketplace_id", "catalog_id", "oc_id")
                )
        level = children - doomed
    for (marketplace_pk, catalog_id), ids in _by_catalog(doomed).items():
        for chunk in _chunks(sorted(ids)):
            categories.filter(marketplace_id=marketplace_pk, catalog_id=catalog_id, oc_id__in=chunk).delete()
            for name in ASSIGNMENT_MODELS:
                apps.get_model("coreapi", name).objects.using(alias).filter(
                    marketplace_id=marketplace_pk, catalog_id=catalog_id, category_id__in=chunk
                ).delete()
    return len(doomed)


class Migration(migrations.Migration):
    dependencies = [
        ("coreapi", "0012_revocation_portal_user"),
    ]

    operations = [
        migrations.RunPython(delete_orphan_categories, migrations.RunPython.noop, elidable=True),
    ]
