"""A village's own data, recorded once: its grids, households and the people in them, the key-group labels on
them and the visits those labels ask for, with every change kept (who, when, the previous value).

Every row carries its village (and, below a household, its grid) so that the permission module filters by an
indexed column. A person's ID number is sealed as everywhere else (AES-GCM with a blind index for lookups)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunwu.accounts import personal_data

from .choices import Condition, KeyGroup, Mode, Relation, Residence, Sex, Status


class Grid(models.Model):
    """A block of households in one village, looked after by its grid worker(s)."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("grid name"), max_length=60)
    workers = models.ManyToManyField("accounts.User", blank=True, related_name="grids")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["village_id", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="one_grid_name_per_village")]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="households")
    group_name = models.CharField(_("natural village or villagers' group"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("household phone"), max_length=11, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)  # 采集校核: checked against the people themselves
    verified_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["village_id", "group_name", "address", "id"]
        indexes = [models.Index(fields=["village", "grid"])]

    def __str__(self) -> str:
        return f"{self.group_name} {self.address}".strip()


class Resident(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    national_id_sealed = models.TextField(blank=True)
    national_id_index = models.CharField(max_length=64, blank=True, default="")
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, db_index=True)
    residence = models.CharField(_("residence"), max_length=20, choices=Residence.choices,
                                 default=Residence.REGISTERED_HERE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.MEMBER)
    status_since = models.DateField(null=True, blank=True)  # the day of moving away or of death
    note = models.CharField(_("note"), max_length=200, blank=True)  # e.g. why a minor heads the household
    updated_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["household_id", "birth_date", "id"]
        indexes = [models.Index(fields=["village", "status", "name"]), models.Index(fields=["grid", "status"]),
                   models.Index(fields=["national_id_index"])]
        constraints = [
            # one person, one household at a time (a moved-away or deceased record keeps its history)
            models.UniqueConstraint(fields=["national_id_index"], condition=Q(status="member") & ~Q(national_id_index=""),
                                    name="one_current_record_per_id"),
            models.UniqueConstraint(fields=["household"], condition=Q(relation="head", status="member"),
                                    name="one_head_per_household"),
        ]

    def __str__(self) -> str:
        return self.name

    def masked_national_id(self) -> str:
        return personal_data.mask_national_id(personal_data.decrypt(self.national_id_sealed))

    def masked_phone(self) -> str:
        return personal_data.mask_phone(self.phone)

    def age_on(self, day) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


FIELD_LABELS = {
    "name": _("name"), "relation": _("relation to the head"), "sex": _("sex"), "birth_date": _("birth date"),
    "national_id": _("ID number"), "phone": _("mobile phone"), "residence": _("residence"), "note": _("note"),
    "status": _("status"), "member": _("person added"), "label": _("key group"), "grid": _("grid"),
    "address": _("address"), "group_name": _("natural village or villagers' group"),
}


class Change(models.Model):
    """One field of a household or a person changed: who, when, from what to what (ID numbers masked)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="changes")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=40)
    previous = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=40, blank=True)  # where the change was made: a case's intake, a visit…

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "at"])]

    def __str__(self) -> str:
        return f"{self.field}: {self.previous} → {self.value}"

    @property
    def field_label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))


class VisitRule(models.Model):
    """A county's own interval for a key group (days between visits, and between visits in person)."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=32, choices=KeyGroup.choices)
    every_days = models.PositiveSmallIntegerField()
    in_person_days = models.PositiveSmallIntegerField()
    set_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "group"], name="one_rule_per_group")]

    def __str__(self) -> str:
        return f"{self.group}: {self.every_days}/{self.in_person_days}"


class Label(models.Model):
    """A key-group label on a person (or on a whole household when `resident` is empty), from a day to a day.
    What its visits ask is kept on the row (last visits, when the next is due and when to warn) so that a grid
    worker's list is one indexed read."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="labels")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="labels")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group = models.CharField(_("key group"), max_length=32, choices=KeyGroup.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    last_visit_on = models.DateField(null=True, blank=True)
    last_in_person_on = models.DateField(null=True, blank=True)
    warn_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)  # empty once the label has ended
    added_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["grid", "due_on"], condition=Q(due_on__isnull=False), name="label_due_by_grid"),
            models.Index(fields=["village", "due_on"], condition=Q(due_on__isnull=False), name="label_due_by_village"),
            models.Index(fields=["village", "group"], name="label_village_group"),
        ]

    def __str__(self) -> str:
        return self.get_group_display()


class Visit(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    worker = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("visited at"))
    mode = models.CharField(_("how"), max_length=12, choices=Mode.choices)
    condition = models.CharField(_("how they are"), max_length=12, choices=Condition.choices)
    needs = models.TextField(_("needs found"), blank=True)
    client_key = models.CharField(max_length=100, null=True, blank=True, unique=True)  # a resent offline visit
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["village", "visited_at"]), models.Index(fields=["household", "visited_at"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.visited_at:%Y-%m-%d}"


class MissedVisit(models.Model):
    """A label whose visit was not made by its due day (one row per label and due day)."""

    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="missed")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField()
    noticed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["label", "due_on"], name="one_miss_per_due_day")]
        indexes = [models.Index(fields=["village", "due_on"])]

    def __str__(self) -> str:
        return f"{self.label_id} missed {self.due_on}"


class LedgerImport(models.Model):
    """A ledger sent to be imported by the worker: its progress while its rows are checked, then its outcome.
    The file itself is kept sealed only until the import has run."""

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        CHECKING = "checking", _("checking the rows")
        DONE = "done", _("imported")
        REJECTED = "rejected", _("not imported: rows to correct")

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    sealed = models.TextField(blank=True)  # the workbook, encrypted; emptied once the import has run
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    checked = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)  # counts, or the problems row by row
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.file_name} {self.state}"

    @property
    def percent(self) -> int:
        return 100 if self.state in ("done", "rejected") else int(100 * self.checked / self.total) if self.total else 0


class SharingRequest(models.Model):
    """A county department asks for the named data of a key group (the civil affairs bureau for subsistence
    households, say) with a purpose and a legal basis; the county administrator approves some fields, until a
    day; each export is limited to them, marked with who asked, and audited."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the county's decision")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("key group"), max_length=32, choices=KeyGroup.choices)
    fields = models.JSONField(_("fields asked"), default=list)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    approved_fields = models.JSONField(default=list, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    exports = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "state"])]

    def __str__(self) -> str:
        return f"S-{self.pk}"

    @property
    def usable(self) -> bool:
        return (self.state == self.State.APPROVED and self.valid_until is not None
                and self.valid_until >= timezone.localdate())
