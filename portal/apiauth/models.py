from django.conf import settings
from django.db import models


class PortalRefreshToken(models.Model):
    """One sign-in session of the Portal API (one `grant_type=password` login).

    Only the SHA-256 of the refresh token is stored. Access tokens are JWTs that name this row in
    their `sid` claim, so revoking the refresh token (logout) also ends every access token issued
    for it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_api_sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"Portal API session {self.pk} of {self.user}"
