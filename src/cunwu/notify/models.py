"""Notifications: what a person is told (in the platform) and each attempt to reach them (text message, WeCom)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One event told to one person: unique per (person, event), so a retried task tells nobody twice."""

    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32)
    event_key = models.CharField(max_length=120)
    role = models.CharField(max_length=32, blank=True)  # the role the person is told in
    region_code = models.CharField(max_length=12, blank=True)  # the place the event concerns
    urgent = models.BooleanField(default=False)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once")]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    CLAIMED = "claimed", _("being sent")
    HELD = "held", _("held until working hours")
    SENT = "sent", _("sent")
    GROUPED = "grouped", _("sent within a grouped text")
    FAILED = "failed", _("failed")
    NO_PHONE = "no_phone", _("no phone number: kept in the platform only")
    DROPPED = "dropped", _("not sent: the person no longer holds the role")


class Delivery(models.Model):
    """One text (or WeCom message) to send after the transaction that caused it commits, with its outcome."""

    key = models.CharField(max_length=140, unique=True)  # the event and the person: a retry adds nothing
    channel = models.CharField(max_length=8, default="sms")  # sms, wecom
    phone_sealed = models.TextField(blank=True)  # for people without an account (an applicant by phone)
    purpose = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=32, blank=True)
    recipient = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    region_code = models.CharField(max_length=12, blank=True)
    role = models.CharField(max_length=32, blank=True)  # the role it was sent for (lost: not sent)
    urgent = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], name="delivery_due",
                         condition=Q(state__in=["pending", "held"])),
            models.Index(fields=["region_code", "created_at"], name="delivery_region"),
            models.Index(fields=["sent_at"], name="delivery_claimed", condition=Q(state="claimed")),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.state}"
