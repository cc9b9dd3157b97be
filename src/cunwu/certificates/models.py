"""Village certificates: the types (issuable, non-issuable, commitment instead), requests, issued certificates
signed with their county's key, and the keys."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ISSUABLE = "issuable", _("may be issued")
    NON_ISSUABLE = "non_issuable", _("must not be issued by the village")
    COMMITMENT = "commitment", _("a signed commitment instead")


class RequestState(models.TextChoices):
    REFUSED = "refused", _("refused")
    PENDING = "pending", _("waiting for the village's checks")
    REVIEW = "review", _("waiting for deliberation or the township")
    ISSUED = "issued", _("issued")
    COMMITTED = "committed", _("commitment signed")


class CertificateType(models.Model):
    """One version of a type. A province's change makes a new version and retires the old one, so that what was
    issued under it keeps its name and rules; `retired_at` without a newer version: the type was withdrawn."""

    code = models.SlugField(max_length=40)
    region_code = models.CharField(max_length=2, blank=True, default="")  # "" national, or the province adding it
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    procedure = models.TextField(_("procedure"), blank=True)
    checks = models.JSONField(default=list, blank=True)  # what staff must check before issuing
    fields = models.JSONField(default=list, blank=True)  # [[name, label], ...] printed on the certificate
    limit_days = models.PositiveSmallIntegerField(default=0)  # 0: on the spot; else working days
    validity_days = models.PositiveIntegerField(default=180)
    major = models.BooleanField(default=False)  # deliberation or a report to the township before issue
    verify_instead = models.TextField(_("who verifies instead"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)  # when this version was set
    changed_label = models.CharField(max_length=150, blank=True)  # who set it
    change_reason = models.TextField(blank=True)  # why (a change or the withdrawal)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "region_code", "version"], name="one_type_version_per_scope"),
            models.UniqueConstraint(fields=["code", "region_code"], condition=models.Q(retired_at__isnull=True),
                                    name="one_current_type_per_scope"),
        ]

    def __str__(self) -> str:
        return self.name


class SigningKey(models.Model):
    """A county's Ed25519 key. The newest unretired key signs; retired keys stay published so that what they
    signed still verifies."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kid = models.CharField(max_length=40, unique=True)
    public_key = models.CharField(max_length=64)  # base64url of the 32 raw bytes
    private_key_sealed = models.TextField()  # AES-GCM with the personal-data key ring
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["county_id", "-created_at"]

    def __str__(self) -> str:
        return self.kid


class CertificateRequest(models.Model):
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    type = models.ForeignKey(CertificateType, on_delete=models.PROTECT, related_name="requests")
    applicant = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="certificate_requests")
    applicant_name = models.CharField(max_length=100)
    resident = models.ForeignKey("households.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # the village's record the details were taken from
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("what it is for"), max_length=300, blank=True)
    values = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=RequestState.choices)
    reason = models.TextField(blank=True)  # refusal reason, or the deliberation / township record
    checks_done = models.JSONField(default=list, blank=True)
    # a certificate the village must not issue: the number of the case in which the township helps obtain the
    # proof from the body that verifies it (seed 004 §8)
    township_case = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["village", "state", "created_at"], name="certreq_village"),
                   models.Index(fields=["county_code", "created_at"], name="certreq_county")]

    def __str__(self) -> str:
        return f"{self.type_id} {self.village_id} {self.state}"


class Certificate(models.Model):
    serial = models.CharField(max_length=32, unique=True)  # random, unguessable
    request = models.OneToOneField(CertificateRequest, on_delete=models.PROTECT, related_name="certificate")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    type = models.ForeignKey(CertificateType, on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(max_length=100)
    content = models.JSONField(default=dict)
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField()
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="certificates")
    token = models.TextField()  # the signed payload in the QR code
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    verifications = models.PositiveIntegerField(default=0)
    last_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["county_code", "issued_at"], name="cert_county_issued")]

    def __str__(self) -> str:
        return self.serial

    @property
    def shown_serial(self) -> str:
        """As printed: in groups of four."""
        from .serials import grouped

        return grouped(self.serial)


class VerificationTally(models.Model):
    """Verifications per day and outcome, including those that found nothing (forged, unknown or malformed
    codes): a flood or an enumeration attempt shows here even though no certificate is touched."""

    day = models.DateField()
    outcome = models.CharField(max_length=16)  # a Verification status
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "outcome"]
        constraints = [models.UniqueConstraint(fields=["day", "outcome"], name="one_tally_per_day_outcome")]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome} {self.count}"
