"""Three tiers of service directories, each a series of versions; a version's entries are full item records.

A published version never changes: a case records the entry (and so the version) it was made under, and
`directory_for` caches published entries by version id without ever invalidating them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cunwu.accounts.departments import CHINESE_NAMES, DepartmentKind

from .choices import ExerciseLevel, ItemType, MatterKind, OnlineDepth, Opens, Tier, VersionState


class Directory(models.Model):
    """The directory a province, city or county publishes (one per region)."""

    region = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="directory")
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    current = models.ForeignKey(
        "DirectoryVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="the published version in force",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("directory")
        verbose_name_plural = _("directories")
        ordering = ["region_id"]

    def __str__(self) -> str:
        return f"{self.region.name}{self.get_tier_display()}"


class DirectoryVersion(models.Model):
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=16, choices=VersionState.choices, default=VersionState.DRAFT)
    # The parent directory's version this one was chosen from (None for a provincial directory).
    parent_version = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_label = models.CharField(max_length=150, blank=True)  # "system" when aligned with a parent

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["directory", "number"], name="one_version_number_per_directory"),
            models.UniqueConstraint(fields=["directory"], condition=models.Q(state="draft"),
                                    name="one_draft_per_directory"),
        ]
        ordering = ["directory_id", "-number"]

    def __str__(self) -> str:
        return f"{self.directory} v{self.number} ({self.get_state_display()})"

    @property
    def is_draft(self) -> bool:
        return self.state == VersionState.DRAFT


class DirectoryEntry(models.Model):
    """One service item as a directory version states it (national item fields plus the village's details)."""

    version = models.ForeignKey(DirectoryVersion, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(_("item code"), max_length=64)
    name = models.CharField(_("item name"), max_length=200)
    item_type = models.CharField(_("item type"), max_length=24, choices=ItemType.choices)
    matter_kind = models.CharField(_("kind of matter"), max_length=24, choices=MatterKind.choices,
                                   default=MatterKind.GOVERNMENT_SERVICE)
    domain = models.CharField(_("domain"), max_length=40, blank=True)  # grouping on the villager's page
    department = models.CharField(_("competent department"), max_length=32, choices=DepartmentKind.choices)
    implementing_body = models.CharField(_("implementing body"), max_length=200, blank=True)
    legal_basis = models.TextField(_("legal basis"))
    exercise_level = models.PositiveSmallIntegerField(_("level of exercise"), choices=ExerciseLevel.choices)
    acceptance_conditions = models.TextField(_("acceptance conditions"), blank=True)
    eligible_applicants = models.TextField(_("who may apply"), blank=True)
    statutory_limit_days = models.PositiveSmallIntegerField(_("statutory time limit (working days)"), null=True,
                                                            blank=True)
    promised_limit_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    visits_required = models.PositiveSmallIntegerField(_("on-site visits required"), default=0)
    place = models.CharField(_("handling place"), max_length=200, blank=True)
    hours = models.CharField(_("handling hours"), max_length=200, blank=True)
    consultation = models.CharField(_("consultation channel"), max_length=200, blank=True)
    complaint = models.CharField(_("complaint channel"), max_length=200, blank=True)
    fee = models.CharField(_("fee"), max_length=200, blank=True)  # empty: free of charge
    fee_basis = models.CharField(_("fee basis"), max_length=300, blank=True)
    handling_modes = models.JSONField(_("handling modes at the village"), default=list)
    online_depth = models.PositiveSmallIntegerField(_("online-handling depth"), choices=OnlineDepth.choices,
                                                    default=OnlineDepth.INFORMATION)
    materials = models.JSONField(_("materials"), default=list)
    questions = models.JSONField(_("questions asked of the applicant"), default=list)
    effective_from = models.DateField(_("effective from"))
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    item_version = models.PositiveIntegerField(_("item version"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    # The national item standard's structure: a main item (主项) holds sub-items (子项), which hold handling items
    # (办理项); "" for a main item or an item without one. Only an item nothing belongs to is applied for.
    parent_code = models.CharField(_("belongs to item"), max_length=64, blank=True, default="")
    opens = models.CharField(_("applying opens"), max_length=16, choices=Opens.choices, blank=True, default="")
    # Below the province: the local details this tier set itself (the rest is inherited from the parent).
    overrides = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="one_entry_per_code_per_version")]
        ordering = ["version_id", "position", "code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def department_name(self) -> str:
        return CHINESE_NAMES.get(self.department, self.department)

    @property
    def is_free(self) -> bool:
        return not self.fee

    def handling_mode_labels(self) -> list[str]:
        from .choices import HandlingMode

        return [str(HandlingMode(m).label) for m in self.handling_modes if m in HandlingMode.values]

    def required_materials(self) -> list[dict]:
        return [m for m in self.materials if m.get("required", True)]
