"""Read-mostly admin: changes go through services (the HTML pages), not through admin forms."""

from django.contrib import admin

from organizations.models import (
    AuditEntry,
    Contributor,
    Invitation,
    Organization,
    ProductionRequest,
    ProductionRequestStatus,
)


class ThroughServicesAdmin(admin.ModelAdmin):
    """Rows that only the services create and delete (with the marketplace, emails, audit entries
    and codes that go with them): the admin neither adds nor deletes them. An add form could not
    set their read-only owners (a 500), and a delete here would leave the marketplace behind,
    keeping the Id taken with nothing to show for it."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ThroughServicesAdmin):
    """Rows the admin shows but does not change either: a contributor's or an invitation's access
    changed here would leave the tokens minted for the old access working and be missing from the
    Activity log, and a rename here would leave the marketplace's name behind (the services do both)."""

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["oc_id", "name", "environment", "region", "owner", "created_at", "deleted_at"]
    list_filter = ["environment", "region"]
    search_fields = ["oc_id", "name", "owner__username"]
    readonly_fields = ["oc_id", "environment", "region", "owner", "deleted_at", "purge_after"]


@admin.register(Contributor)
class ContributorAdmin(ReadOnlyAdmin):
    list_display = ["organization", "user", "is_admin", "created_at"]
    search_fields = ["organization__oc_id", "user__username"]
    readonly_fields = ["organization", "user"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["organization", "invitee", "status", "expires_at"]
    list_filter = ["status"]


@admin.register(ProductionRequest)
class ProductionRequestAdmin(ThroughServicesAdmin):
    list_display = ["oc_id", "name", "requester", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    readonly_fields = ["requester", "status", "decided_by", "decided_at", "organization"]

    def has_change_permission(self, request, obj=None):
        """A pending request's Id, name or region may be corrected before it is decided; a decided one
        is the record of what was approved or rejected (and of the organization it created)."""
        if obj is not None and obj.status != ProductionRequestStatus.PENDING:
            return False
        return super().has_change_permission(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "who", "action", "target"]
    list_filter = ["action"]
    list_select_related = ["organization", "actor"]

    @admin.display(description="actor", ordering="actor_username")
    def who(self, obj):
        return obj.actor_label

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
