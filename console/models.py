"""The console's server-side state: tokens per (user, organization, context) and request history.

Tokens never reach the browser (except the user's own current token, on request, for "copy as
curl"). A context is the contributor themselves ("self": client_id and username empty) or an
impersonated core user (client_id + username).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.common.fields import EncryptedTextField
from portal.common.models import TimeStampedModel

HISTORY_LIMIT = 50


class ConsoleToken(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_tokens")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="console_tokens"
    )
    client_id = models.CharField(max_length=100, blank=True, default="")
    username = models.CharField(max_length=100, blank=True, default="")
    # encrypted at rest (portal.common.fields): a database dump alone reveals no usable token
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    expires_at = models.DateTimeField(default=timezone.now)
    # The contributor's data access when the token was minted: a token is re-minted when it differs.
    access_roles = models.JSONField(default=list, blank=True)
    # The roles the token carries (access roles, or their intersection with an impersonated user's).
    granted_roles = models.JSONField(default=list, blank=True)
    user_type = models.CharField(max_length=20, blank=True, default="")  # usrtype claim: admin|buyer|supplier
    refresh_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "client_id", "username"], name="console_token_one_per_context"
            ),
        ]

    def __str__(self) -> str:
        return f"console token of {self.user_id} for {self.organization_id} ({self.context_label})"

    @property
    def is_self(self) -> bool:
        return not self.client_id and not self.username

    @property
    def context_label(self) -> str:
        return "you" if self.is_self else f"{self.username} via {self.client_id}"


class ConsoleRequest(models.Model):
    """One sent request in a user's history (the last HISTORY_LIMIT per organization are kept)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_requests")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="console_requests"
    )
    client_id = models.CharField(max_length=100, blank=True, default="")
    username = models.CharField(max_length=100, blank=True, default="")
    operation_id = models.CharField(max_length=100, blank=True, default="")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)  # /v1/... with path parameters filled in
    query = models.JSONField(default=list, blank=True)  # [[name, value], ...] as sent
    body = models.TextField(blank=True, default="")
    state = models.JSONField(default=dict, blank=True)  # the builder's fields, to edit it again
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    # sent by a live edit (list options, filters) rather than the Send button: the next live send
    # of the same operation soon after replaces it (services.console_history_record)
    live = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)  # when the request kept was sent
    # a live entry: when the first request of its burst of live edits was sent (created_at is the
    # last one's); a burst ends LIVE_BURST_SECONDS after it (services._history_replace_burst)
    burst_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "organization", "-created_at"], name="console_history_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status_code}"

    @property
    def context_label(self) -> str:
        """"you", or "<username> via <API client>", the client by the AppName that
        selectors.history_list looked up (else by its ID)."""
        if not self.username:
            return "you"
        return f"{self.username} via {getattr(self, 'client_name', '') or self.client_id}"

    @property
    def path_with_query(self) -> str:
        """/v1/products?Name=*shirt*&pageSize=2 (query values as sent, unencoded, for reading)."""
        if not self.query:
            return self.path
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in self.query)
