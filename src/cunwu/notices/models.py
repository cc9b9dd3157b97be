"""Village notices (村务公开) and emergency warnings (应急预警).

A notice is never edited: a correction is a new version of the same series, and the old version stays readable,
marked superseded. The only change a stored notice takes is the moment it was superseded.

A warning reaches each village of its area through one `WarningTarget` row per village, written when it is
issued (so every portal and terminal shows it at once); the worker then texts each village's staff, and the
staff acknowledge for their village.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    SERVICES = "services", _("services and procedures")
    POLICIES = "policies", _("policies")
    FINANCES = "finances", _("finances")
    AFFAIRS = "affairs", _("village affairs")
    DECISIONS = "decisions", _("results of decisions")


class Notice(models.Model):
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    series = models.BigIntegerField(db_index=True)  # the pk of the first version
    version = models.PositiveSmallIntegerField(default=1)
    correction = models.CharField(_("what was corrected"), max_length=500, blank=True)
    shown_from = models.DateField(_("shown from"))
    shown_until = models.DateField(_("shown until"))
    published_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["village", "category", "published_at"], name="notice_village")]
        constraints = [models.UniqueConstraint(fields=["series", "version"], name="one_version_number")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        """Stored notices are archived as published: only `superseded_at` may be set afterwards."""
        if self.pk is not None and set(kwargs.get("update_fields") or ()) != {"superseded_at"}:
            raise ValueError("A published notice is never edited; publish a correction instead.")
        super().save(*args, **kwargs)

    @property
    def current(self) -> bool:
        return self.superseded_at is None


class Kind(models.TextChoices):
    FLOOD = "flood", _("flood")
    RAINSTORM = "rainstorm", _("rainstorm")
    GALE = "gale", _("gale")
    BLIZZARD = "blizzard", _("blizzard")
    COLD = "cold", _("cold wave")
    HEAT = "heat", _("heat wave")
    DROUGHT = "drought", _("drought")
    HAIL = "hail", _("hail")
    GEOLOGICAL = "geological", _("landslide or mudslide")
    FIRE = "fire", _("forest or grassland fire")
    EARTHQUAKE = "earthquake", _("earthquake")
    EPIDEMIC = "epidemic", _("epidemic")
    OTHER = "other", _("other")


class Level(models.TextChoices):
    BLUE = "blue", _("blue")
    YELLOW = "yellow", _("yellow")
    ORANGE = "orange", _("orange")
    RED = "red", _("red")


class Warning(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True, null=True)  # noqa: DJ001 (set from the pk)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=6, choices=Level.choices)
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    area = models.JSONField(default=list)  # the codes the issuer chose (villages, townships, the county)
    issuer_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    villages = models.PositiveIntegerField(default=0)
    fanned_out_at = models.DateTimeField(null=True, blank=True)  # every village's staff texted

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["issuer_region", "issued_at"], name="warning_issuer")]

    def __str__(self) -> str:
        return self.title

    @property
    def in_force(self) -> bool:
        return self.cancelled_at is None and self.valid_until > timezone.now()


class WarningTarget(models.Model):
    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="targets")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    valid_until = models.DateTimeField()  # copied from the warning, so a portal reads one index
    texted = models.PositiveIntegerField(default=0)  # staff phones texted, all rounds
    texted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    class Meta:
        ordering = ["village_id"]
        constraints = [models.UniqueConstraint(fields=["warning", "village"], name="one_target_per_village")]
        indexes = [models.Index(fields=["village", "valid_until"], name="warning_village")]

    def __str__(self) -> str:
        return f"{self.warning_id} → {self.village_id}"


class VillageOffice(models.Model):
    """The village's service station as villagers reach it: its public phone, opening hours, who is on duty."""

    village = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+", primary_key=True)
    phone = models.CharField(_("public phone"), max_length=20)
    hours = models.CharField(_("opening hours"), max_length=200)
    on_duty = models.CharField(_("on duty"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.village_id} {self.phone}"
