from django.contrib import admin

from portal.common.models import MaintenanceBanner


@admin.register(MaintenanceBanner)
class MaintenanceBannerAdmin(admin.ModelAdmin):
    list_display = ["message", "level", "active", "starts_at", "ends_at", "updated_at"]
    list_filter = ["active", "level"]
    list_editable = ["active"]
