from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One appended line of the audit trail.

    Entries are chained: `hash` is an HMAC over this entry's fields and the previous entry's hash, so an
    edited, inserted or deleted entry breaks the chain (`cunwu audit verify`). Nothing updates or deletes
    entries; the model has no service that could.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(null=True, blank=True)  # not a foreign key: entries outlive accounts
    actor_label = models.CharField(_("actor"), max_length=150)
    role = models.CharField(_("role"), max_length=32, blank=True)
    assignment_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    region_code = models.CharField(max_length=12, blank=True, db_index=True)
    source = models.CharField(_("from"), max_length=64, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    result = models.CharField(_("result"), max_length=16, default="ok")
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16, blank=True, default="")  # "" : the key derived from SECRET_KEY

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["region_code", "seq"]), models.Index(fields=["actor_id", "seq"]),
                   models.Index(fields=["object_type", "object_id", "seq"], name="audit_object")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The last entry's sequence number and hash: a deleted tail of the chain is detected against it.

    Appending locks this single row, which serialises appends on PostgreSQL (SQLite serialises writers anyway).
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head at {self.seq}"


class AuditArchive(models.Model):
    """A month of the audit log detached for archive (PostgreSQL): the chain is verified from the entry after
    `last_seq`, whose predecessor's hash is `last_hash`. Entries at or before `last_seq` still in the database
    (a clock a moment behind at a month's turn) are kept, not verified."""

    month = models.DateField(unique=True)
    table = models.CharField(max_length=63)
    rows = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    detached_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} to #{self.last_seq}"
