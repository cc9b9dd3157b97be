"""Connected systems (partners), their Open311 keys, and the webhooks they receive.

A partner is another system a county administrator connects: the 12345 hotline, the provincial
government-service platform, the 12348 legal line, a department's own system. It acts through a service account
holding the `partner_system` role in its county (so the permission module decides what it reads), with API keys
that are shown once and stored as digests. Its endpoints receive the county's events as signed webhooks: each
event is one `Message` (its body kept exactly as signed), sent to each endpoint as one `Send` with every
`Attempt` and its answer kept."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    HOTLINE = "hotline", _("12345 government service hotline")
    PLATFORM = "platform", _("provincial government-service platform")
    LEGAL_LINE = "legal_line", _("12348 public legal service line")
    DEPARTMENT = "department", _("a department's own system")
    OTHER = "other", _("another system")


class Partner(models.Model):
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")  # a county
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    contact = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner")
    per_minute = models.PositiveIntegerField(default=60)  # requests one key may send in a minute
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="partner_unique_name")]

    def __str__(self) -> str:
        return self.name


class PartnerKey(models.Model):
    """An Open311 `api_key`; only its SHA-256 digest is kept."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}…"


class EndpointState(models.TextChoices):
    ACTIVE = "active", _("sending")
    PAUSED = "paused", _("paused")


class Endpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="endpoints")
    url = models.CharField(max_length=500)
    events = models.JSONField(default=list)  # event types, as in events.CATALOGUE
    secret_sealed = models.TextField()  # "whsec_…", encrypted with the personal-data key
    state = models.CharField(max_length=10, choices=EndpointState.choices, default=EndpointState.ACTIVE)
    paused_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class Message(models.Model):
    """One event as sent: `uid` is the webhook-id (the same on every retry and replay, so a receiver keeps it
    once); `body` the JSON exactly as signed."""

    uid = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    region_code = models.CharField(max_length=12)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.uid


class SendState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    CLAIMED = "claimed", _("being sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed after every retry")


class Send(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="sends")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="sends")
    state = models.CharField(max_length=10, choices=SendState.choices, default=SendState.PENDING)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    replaying = models.BooleanField(default=False)  # an administrator asked for it again

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "message"], name="send_once_per_endpoint")]
        indexes = [models.Index(fields=["state", "due_at"], name="send_due")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id}"


class Attempt(models.Model):
    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # the HTTP status, none if unanswered
    answer = models.CharField(max_length=500, blank=True)  # the start of what the receiver said, or the error
    milliseconds = models.PositiveIntegerField(default=0)
    replay = models.BooleanField(default=False)  # sent again by an administrator

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.send_id} {self.status or '-'}"
