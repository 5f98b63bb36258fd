"""The maintenance banner on every page: `maintenance_banner` in every template context (lazy: a
page that does not render it costs no query)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject


def maintenance_banner_current():
    from portal.common.models import MaintenanceBanner

    now = timezone.now()
    try:
        return (
            MaintenanceBanner.objects.filter(active=True)
            .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .first()
        )
    except Exception:  # noqa: BLE001 - a banner must never break a page (e.g. before migrate)
        return None


def maintenance_banner(request):
    return {"maintenance_banner": SimpleLazyObject(maintenance_banner_current)}
