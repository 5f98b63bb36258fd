"""Organizations (marketplaces), their contributors, invitations, production requests, audit log.

The owner is `Organization.owner`; every other member is a `Contributor` row. A pending invite is
an `Invitation` (never a half-filled Contributor), so an organization is invisible to an invitee
until they accept.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from django_otp.plugins.otp_email.models import EmailDevice

from organizations import environments
from portal.common.models import TimeStampedModel

OC_ID_MAX_LENGTH = 100
OC_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
OC_ID_INVALID = "The Id may contain only letters, digits, '-' and '_'."
validate_oc_id = RegexValidator(OC_ID_RE, OC_ID_INVALID, code="invalid_id")


class Environment(models.TextChoices):
    SANDBOX = "Sandbox", "Sandbox"
    STAGING = "Staging", "Staging"
    PRODUCTION = "Production", "Production"


class OrganizationQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class Organization(TimeStampedModel):
    """A marketplace in one environment. A Staging org is the twin of the Production org with the
    same `oc_id`. Soft delete: `deleted_at` set, gone for good after `purge_after`."""

    oc_id = models.CharField("Id", max_length=OC_ID_MAX_LENGTH, validators=[validate_oc_id])
    name = models.CharField(max_length=200)
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.SANDBOX)
    region = models.CharField(max_length=10, choices=environments.REGION_CHOICES, default=environments.DEFAULT_REGION)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_organizations")
    deleted_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("environment", Lower("oc_id"), name="organizations_org_id_unique_per_env"),
        ]
        ordering = ["name", "oc_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.oc_id}, {self.environment})"

    @property
    def core_api_url(self) -> str:
        return environments.core_api_url(self.environment, self.region)

    @property
    def region_name(self) -> str:
        return environments.region_name(self.region)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def badge_class(self) -> str:
        return self.environment.lower()


class Access(models.Model):
    """The permissions a contributor holds, or a pending invite would grant."""

    is_admin = models.BooleanField("Organization Admin", default=False)
    roles = models.JSONField(default=list, blank=True)  # ApiRole names (coreapi/roles.py)
    impersonate_seller = models.BooleanField(default=False)
    impersonate_supplier = models.BooleanField(default=False)
    impersonate_buyer = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if not isinstance(self.roles, list) or not all(isinstance(r, str) for r in self.roles):
            raise ValidationError({"roles": "Roles must be a list of role names."})


class Contributor(Access, TimeStampedModel):
    """An accepted membership (the owner has none: they hold everything)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="contributors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="organizations_contributor_unique"),
        ]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization.oc_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class Invitation(Access, TimeStampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invitee"],
                condition=models.Q(status="pending"),
                name="organizations_invitation_one_pending",
            ),
        ]
        ordering = ["-created_at"]

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.EXPIRED or (
            self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()
        )


class ProductionRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ProductionRequest(TimeStampedModel):
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="production_requests")
    oc_id = models.CharField("Id", max_length=OC_ID_MAX_LENGTH, validators=[validate_oc_id])
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=10, choices=environments.REGION_CHOICES, default=environments.DEFAULT_REGION)
    reason = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=10, choices=ProductionRequestStatus.choices, default=ProductionRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_message = models.TextField(blank=True, max_length=4000)
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            # a double-submitted request (or two people asking for the same Id at once) is one request
            models.UniqueConstraint(
                Lower("oc_id"), condition=models.Q(status="pending"), name="organizations_one_pending_production_request"
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Production request {self.oc_id} by {self.requester} ({self.status})"


class AuditAction(models.TextChoices):
    ORG_CREATE = "org.create", "Organization created"
    ORG_RENAME = "org.rename", "Organization renamed"
    ORG_TRANSFER = "org.transfer", "Ownership transferred"
    ORG_DELETE = "org.delete", "Organization deleted"
    ORG_RESTORE = "org.restore", "Organization restored"
    ORG_PURGE = "org.purge", "Organization purged"
    STAGING_CREATE = "org.staging_create", "Staging twin created"
    INVITE = "invite.create", "Contributor invited"
    INVITE_UPDATE = "invite.update", "Invitation updated"
    INVITE_ACCEPT = "invite.accept", "Invitation accepted"
    INVITE_DECLINE = "invite.decline", "Invitation declined"
    INVITE_REVOKE = "invite.revoke", "Invitation revoked"
    PERMISSION_CHANGE = "contributor.update", "Permissions changed"
    CONTRIBUTOR_REMOVE = "contributor.remove", "Contributor removed"
    CONTRIBUTOR_LEAVE = "contributor.leave", "Contributor left"
    PRODUCTION_REQUEST = "production.request", "Production requested"
    PRODUCTION_APPROVE = "production.approve", "Production request approved"
    PRODUCTION_REJECT = "production.reject", "Production request rejected"
    CODE_SENT = "code.sent", "Confirmation code sent"
    CODE_FAILED = "code.failed", "Confirmation code failed"
    CODE_UNDELIVERED = "code.undelivered", "Confirmation code could not be emailed"
    STAGING_RESTORE_START = "staging.restore_start", "Staging restore started"
    STAGING_RESTORE_DONE = "staging.restore_done", "Staging restore finished"
    STAGING_RESTORE_FAIL = "staging.restore_fail", "Staging restore failed"
    RESTORE_WEBHOOK_SAVE = "staging.webhook_save", "Staging restore webhook saved"
    RESTORE_WEBHOOK_DELETE = "staging.webhook_delete", "Staging restore webhook removed"
    RESTORE_WEBHOOK_TEST = "staging.webhook_test", "Staging restore webhook tested"


class AuditEntry(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The actor's username when the entry was written: the actor FK becomes NULL when the account
    # is deleted, and the log must still tell that person's actions from the system's ("" = system).
    actor_username = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    @property
    def actor_label(self) -> str:
        """Who did it, as the Activity log shows it: the username at the time, as the entry's
        target and details name people, with the current one after it when the account was renamed
        since ("alice (now bob2)"); "<name> (deleted account)" once the account is gone, "system" for
        entries that never had an actor."""
        if self.actor_id:
            now = self.actor.username
            if self.actor_username and self.actor_username != now:
                return f"{self.actor_username} (now {now})"
            return now
        if self.actor_username:
            return f"{self.actor_username} (deleted account)"
        return "system"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"


class ActionCodeDevice(EmailDevice):
    """django-otp EmailDevice for one (user, action, organization): its `name` is the binding key,
    so a code sent for "delete org X" cannot confirm "transfer org X" or anything about org Y.
    Stored unconfirmed, so these devices never count as a user's login second factor."""

    class Meta:
        proxy = True

    mail_subject = ""
    mail_body = ""

    def send_mail(self, body, **kwargs):
        from django.core.mail import EmailMessage

        from portal.common.mail import on_delivery_failure

        message = EmailMessage(
            self.mail_subject.format(token=self.token) or self.get_subject(),
            self.mail_body.format(token=self.token) if self.mail_body else body,
            None,
            [self.email or self.user.email],
        )
        # if it cannot be delivered, this code is withdrawn and the page waiting for it says so
        on_delivery_failure(message, "organizations.services.action_code_undelivered",
                            device_pk=self.pk, valid_until=self.valid_until.isoformat())
        message.send()


# --- staging restore (issue #7) -------------------------------------------------------------------
class StagingRestoreStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_RESTORE_STATUSES = (StagingRestoreStatus.QUEUED, StagingRestoreStatus.RUNNING)


class StagingRestoreTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Weekly schedule"
    MANUAL = "manual", "Started manually"


class StagingRestore(TimeStampedModel):
    """One run of "replace the Staging org's marketplace data by a copy of its Production twin's".

    At most one queued or running restore per organization (a partial unique constraint). The copy
    and the status change to succeeded commit together, so `report` (one entry per table: resource,
    label, rows_copied, rows_removed, rows_sanitized, ms) always describes the data Staging has."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="staging_restores")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=10, choices=StagingRestoreTrigger.choices, default=StagingRestoreTrigger.MANUAL)
    status = models.CharField(max_length=10, choices=StagingRestoreStatus.choices, default=StagingRestoreStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tables_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # the "Restore now" form this run was started from (a random value each time the tab is shown):
    # the same form posted again (a double click, a retry) is this run's answer, not a second restore
    form_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=["queued", "running"]),
                name="organizations_one_active_staging_restore",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Restore #{self.pk} of {self.organization.oc_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RESTORE_STATUSES

    @property
    def started_by_label(self) -> str:
        """ "Weekly schedule", or who pressed Restore now: "Started by Olivia Owner (olivia)"."""
        if self.trigger == StagingRestoreTrigger.MANUAL and self.requested_by is not None:
            from organizations.presenters import user_label

            return f"Started by {user_label(self.requested_by)}"
        return self.get_trigger_display()

    @property
    def rows_copied(self) -> int:
        return sum(int(t.get("rows_copied", 0)) for t in self.report or [])

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def resource_counts(self) -> dict[str, int]:
        return {t["resource"]: int(t.get("rows_copied", 0)) for t in self.report or [] if t.get("rows_copied") is not None}


class StagingRestoreWebhook(TimeStampedModel):
    """[BETA] Where to POST after each restore of a Staging org, signed with HashKey (X-oc-hash)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="staging_restore_webhook")
    url = models.URLField("URL", max_length=2000)
    hash_key = models.CharField("HashKey", max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Restore webhook of {self.organization.oc_id}: {self.url}"


class RestoreWebhookDelivery(models.Model):
    """One attempt to POST a restore webhook payload (status code, latency, error)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="restore_webhook_deliveries")
    restore = models.ForeignKey(StagingRestore, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    delivery_id = models.CharField(max_length=40, db_index=True)  # the same on every attempt
    url = models.CharField(max_length=2000)
    test = models.BooleanField(default=False)
    attempt = models.PositiveIntegerField(default=1)
    status_code = models.IntegerField(null=True, blank=True)
    latency_ms = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # no attempt follows this one: delivered, a failure that is not retried (3xx, 4xx other than
    # 408/429, a refused URL), or the last attempt; rows logged before this field read False
    final = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "restore webhook deliveries"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def given_up_early(self) -> bool:
        """A failure that is not tried again although attempts were left (a 404, a refused URL)."""
        from organizations.services_restore import RESTORE_WEBHOOK_MAX_ATTEMPTS

        return self.final and not self.ok and self.attempt < RESTORE_WEBHOOK_MAX_ATTEMPTS
