"""Cases: a villager's request from intake to a rated result, its timeline, files, dispatches and ratings."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunwu.accounts import personal_data
from cunwu.directory.choices import MatterKind

from .choices import (
    OPEN_STATES,
    Action,
    CaseKind,
    Category,
    Channel,
    DemandType,
    DispatchState,
    Grade,
    Stage,
    State,
    Unit,
    Urgency,
)


class Case(models.Model):
    # Not stored: the rows intake has just written with a new case (its first event, its files), so that the
    # answer to the submission need not read them back. None on a case read from the database.
    written: dict | None = None

    number = models.CharField(_("case number"), max_length=32, unique=True)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="cases")
    township_code = models.CharField(max_length=9)
    county_code = models.CharField(max_length=6)
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    # An application names the directory entry (a published, never-changing row) it was made under.
    entry = models.ForeignKey("directory.DirectoryEntry", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    item_code = models.CharField(_("service item"), max_length=32, blank=True)
    department_kind = models.CharField(max_length=32, blank=True)
    # seed 004's diversion, from the item: a government service, village public affairs, or the villager's own
    # matter (which the village helps with at their request and the township does not take over); "" a demand
    matter_kind = models.CharField(_("kind of matter"), max_length=24, choices=MatterKind.choices, blank=True)
    demand_type = models.CharField(_("type"), max_length=16, choices=DemandType.choices, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    answers = models.JSONField(default=dict, blank=True)
    materials_supplied = models.JSONField(default=list, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    proxy_staff = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    consent = models.CharField(_("applicant's consent"), max_length=200, blank=True)
    applicant = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="cases")
    applicant_name = models.CharField(_("applicant"), max_length=100, blank=True)
    # the village's record of the applicant, when the request took their details from it (collect once), and
    # the key-group visit on which the need was found
    resident = models.ForeignKey("households.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="cases")
    visit = models.ForeignKey("households.Visit", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="cases")
    applicant_phone_sealed = models.TextField(blank=True)
    applicant_phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    idempotency_digest = models.CharField(max_length=64, blank=True, default="")  # what the first request asked
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.NEW)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.VILLAGE)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="owned_cases")
    owner_since = models.DateTimeField(null=True, blank=True)

    # First response: someone takes charge within the response limit.
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_on_time = models.BooleanField(null=True)

    # The promise to the applicant: the item's promised limit or the category's limit, paused for materials.
    limit_amount = models.PositiveIntegerField(default=0)
    limit_unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.WORKDAYS)
    clock_from = models.DateTimeField(null=True, blank=True)
    clock_remaining = models.BigIntegerField(default=0)  # working seconds left at clock_from
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned = models.BooleanField(default=False)
    overdue = models.BooleanField(_("overdue"), default=False)
    provisional = models.BooleanField(default=False)  # the due date lies in a year without a holiday schedule

    # The current stage's own limit (the township's dispatch limit, the rectification limit).
    stage_due_at = models.DateTimeField(null=True, blank=True)
    stage_overdue = models.BooleanField(default=False)

    returns = models.PositiveSmallIntegerField(default=0)
    missing = models.JSONField(default=list, blank=True)  # what the one-time notification listed
    awaiting_since = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.TextField(blank=True)

    # where the matter is, if the applicant said: a point from the phone or a pin on the village's sketch, and words
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    place = models.CharField(_("where"), max_length=200, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="joined")
    words = models.TextField(blank=True)  # what it is about, cut by jieba once at intake (duplicates.py)

    result = models.TextField(_("result"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)  # the first result
    resolved_on_time = models.BooleanField(null=True)
    result_at = models.DateTimeField(null=True, blank=True)  # the latest result
    round = models.PositiveSmallIntegerField(default=1)  # 1, then 2, 3... after each bad rating
    grade = models.PositiveSmallIntegerField(null=True, blank=True, choices=Grade.choices)  # latest counted
    satisfied = models.BooleanField(null=True)
    refusal_reason = models.TextField(blank=True)
    redirect_to = models.CharField(_("where to go instead"), max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    next_check_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["village", "state", "due_at"], name="case_village_queue"),
            models.Index(fields=["township_code", "stage", "state", "due_at"], name="case_township_queue"),
            models.Index(fields=["county_code", "state", "due_at"], name="case_county_queue"),
            models.Index(fields=["county_code", "created_at"], name="case_county_created"),
            models.Index(fields=["village", "created_at"], name="case_village_created"),
            models.Index(fields=["owner", "state"], name="case_owner_state"),
            models.Index(fields=["applicant", "created_at"], name="case_applicant"),
            models.Index(fields=["next_check_at"], name="case_next_check",
                         condition=Q(next_check_at__isnull=False)),
            # the open cases only, covering what the command view counts of them: a province's are read in
            # village order from this small index alone, never from the table
            models.Index(fields=["village", "stage", "state", "overdue", "due_at"], name="case_open",
                         condition=Q(state__in=OPEN_STATES)),
            # the few cases nobody has taken charge of yet, read live by the response rate
            models.Index(fields=["county_code", "created_at"], name="case_unjudged",
                         condition=Q(responded_on_time__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def short_number(self) -> str:
        """The number as said over the phone with the village's name: the day and the count, 261203-9 for the
        ninth case of 3 December 2026 (the full number stays the case's address)."""
        parts = self.number.rsplit("-", 2)
        if len(parts) != 3 or len(parts[1]) != 8 or not parts[2].isdigit():
            return self.number
        return f"{parts[1][2:]}-{int(parts[2])}"

    def applicant_phone(self) -> str:
        return personal_data.decrypt(self.applicant_phone_sealed)

    def masked_phone(self) -> str:
        return personal_data.mask_phone(self.applicant_phone())

    def masked_name(self) -> str:
        name = self.applicant_name
        return name[:1] + "*" * max(1, len(name) - 1) if name else ""

    # What the case adds to each count of the rates (rates.py defines them; CaseTally keeps their sums).
    COUNTED_FIELDS = ("responded_on_time", "resolved_at", "state", "satisfied", "resolved_on_time", "created_at",
                      "township_code")

    def counted(self) -> tuple[int, ...]:
        """The case's part in each of TALLY_COUNTS, in that order (the same tests as rates.CASE_AGGREGATES)."""
        return (
            1,
            int(self.responded_on_time is True),
            int(self.responded_on_time is not None),
            int(self.resolved_at is not None),
            int(self.state not in (State.WITHDRAWN, State.REFUSED)),
            int(self.satisfied is True),
            int(self.satisfied is not None),
            int(self.resolved_on_time is True),
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember the counts as read, so that saving can move the tallies by the difference.
        instance._counted = instance.counted() if set(cls.COUNTED_FIELDS) <= set(field_names) else None
        return instance


TALLY_COUNTS = ("n_received", "n_responded_ok", "n_response_judged", "n_resolved", "n_resolvable", "n_satisfied",
                "n_rated", "n_on_time")


class CaseTally(models.Model):
    """The rates' counts of the cases a township received on a day (local date), and the same for the whole
    month (`span` "m", `day` = the 1st), kept by the service layer as cases change. Rates for a county, a city or
    the province sum the month rows of whole months and the day rows of the days around them: about a thousand
    rows a month for a province, however many cases. `cunwu cases tally` compares them with the cases."""

    township_code = models.CharField(max_length=9)
    county_code = models.CharField(max_length=6)
    span = models.CharField(max_length=1, default="d")  # "d" a day, "m" a month (an equality SQLite can index)
    day = models.DateField()
    n_received = models.IntegerField(default=0)
    n_responded_ok = models.IntegerField(default=0)
    n_response_judged = models.IntegerField(default=0)
    n_resolved = models.IntegerField(default=0)
    n_resolvable = models.IntegerField(default=0)
    n_satisfied = models.IntegerField(default=0)
    n_rated = models.IntegerField(default=0)
    n_on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["township_code", "span", "day"], name="one_tally_per_span")]
        # Sums for a county or above read month rows, or day rows, by date first and filter the county inside
        # the index: a province's month is ~1,000 entries, its year ~12,000 month entries.
        indexes = [models.Index(fields=["span", "day", "county_code"], name="tally_span")]

    def __str__(self) -> str:
        return f"{self.township_code} {self.day:%Y-%m}{'' if self.span == 'm' else self.day.strftime('-%d')}: {self.n_received}"


class AskedTally(models.Model):
    """How many cases each village received of each category in a month (local month of receipt), kept by the
    service layer as a case is created. The command view reads what villagers ask about most from these rows:
    a province's two months are one row per village and category asked, not every case."""

    village_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)
    month = models.DateField()
    category = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village_code", "month", "category"],
                                               name="one_asked_tally")]
        # covering: a province's two months are read from the index alone
        indexes = [models.Index(fields=["month", "county_code", "village_code", "category", "n"],
                                name="asked_month_county")]

    def __str__(self) -> str:
        return f"{self.village_code} {self.month:%Y-%m} {self.category}: {self.n}"


class CaseCounter(models.Model):
    """The last number given in a village on a day (the case number's last part)."""

    village = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village", "day"], name="one_counter_per_village_day")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.day}: {self.last}"


class CaseEvent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150)
    role_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    note = models.TextField(blank=True)
    state_after = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def plain_words(self) -> str:
        return str(Action(self.action).label)


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    material = models.CharField(max_length=200, blank=True)  # the directory material it stands for
    uploaded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Dispatch(models.Model):
    """A county department called in by the township ("report in")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dispatches")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="dispatches")
    lead = models.BooleanField(default=False)
    decided = models.BooleanField(default=False)  # the township settled that this department is responsible
    state = models.CharField(max_length=16, choices=DispatchState.choices, default=DispatchState.CALLED)
    called_at = models.DateTimeField(default=timezone.now)
    called_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    sign_in_by = models.DateTimeField()
    signed_in_at = models.DateTimeField(null=True, blank=True)
    signed_in_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    respond_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)
    returned_reason = models.TextField(blank=True)
    sign_in_overdue = models.BooleanField(default=False)
    respond_overdue = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["called_at", "id"]
        indexes = [
            models.Index(fields=["department", "state"], name="dispatch_department_state"),
            models.Index(fields=["next_check_at"], name="dispatch_next_check",
                         condition=Q(next_check_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id}"

    @property
    def is_active(self) -> bool:
        return self.state in (DispatchState.CALLED, DispatchState.SIGNED_IN)


class Rating(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField()
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # A villager without a phone or an account gives their rating to the village staff, who record it: marked,
    # with how the villager gave it (in person, by a call, on a paper slip).
    recorded_by_staff = models.BooleanField(default=False)
    given = models.CharField(max_length=16, blank=True)
    excluded = models.BooleanField(default=False)
    excluded_reason = models.TextField(blank=True)
    excluded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="one_rating_per_round")]

    def __str__(self) -> str:
        return f"{self.case_id} round {self.round}: {self.grade}"

    @property
    def is_bad(self) -> bool:
        return self.grade <= 2


class CalendarDay(models.Model):
    """A day whose status the table decides: a holiday or make-up working day of a year the calendar package
    does not know (region ""), or a local day off of a province, city or county (its code)."""

    day = models.DateField()
    region_code = models.CharField(max_length=6, blank=True, default="")
    working = models.BooleanField()
    name = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "region_code"]
        constraints = [models.UniqueConstraint(fields=["day", "region_code"], name="one_calendar_row")]

    def __str__(self) -> str:
        return f"{self.day} {self.region_code or 'CN'} {'work' if self.working else 'off'}"
