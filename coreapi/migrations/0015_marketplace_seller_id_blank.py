"""Product and bundle assignments saved with SellerID = their marketplace's own ID are stored as
the marketplace's (SellerID none, ""), as a save does now (resources.Assignment.seller_keys): the
two were separate rows for one seller. Where both exist for one product (bundle), buyer and user
group, the one made first stays, with its values: it was the one pricing used (me._with_prices)."""

from django.db import migrations
from django.db.models import F

MODELS = (("ProductAssignment", "product_id"), ("BundleAssignment", "bundle_id"))


def marketplace_seller_id_blank(apps, schema_editor) -> int:
    """Store the marketplace's own SellerID as none; the number of rows changed or merged."""
    alias = schema_editor.connection.alias
    count = 0
    for model_name, column in MODELS:
        rows = apps.get_model("coreapi", model_name).objects.using(alias)
        for row in rows.filter(seller_id=F("marketplace__marketplace_id")).order_by("pk"):
            twin = rows.filter(
                marketplace_id=row.marketplace_id, buyer_id=row.buyer_id, user_group_id=row.user_group_id,
                seller_id="", **{column: getattr(row, column)},
            ).first()  # fmt: skip
            if twin is not None and twin.pk < row.pk:
                row.delete()
            else:
                if twin is not None:
                    twin.delete()
                row.seller_id = ""
                row.save(update_fields=["seller_id"])
            count += 1
    return count


def forwards(apps, schema_editor) -> None:
    marketplace_seller_id_blank(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("coreapi", "0014_assignments_per_seller")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
