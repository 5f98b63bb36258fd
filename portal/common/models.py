from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MaintenanceBannerLevel(models.TextChoices):
    INFO = "info", "Notice"
    CRITICAL = "critical", "Critical"


class MaintenanceBanner(TimeStampedModel):
    """A message shown at the top of every page (set in the admin), e.g. "Maintenance on Sunday
    03:00–03:30 UTC: Staging organizations are being restored". Optional start and end times;
    the newest banner in effect wins."""

    message = models.CharField(max_length=500)
    level = models.CharField(max_length=10, choices=MaintenanceBannerLevel.choices, default=MaintenanceBannerLevel.INFO)
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: from now on.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until switched off.")

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.message

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})
