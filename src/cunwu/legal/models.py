"""Public legal services at the village: the service network (points, advisers, mediation committees,
legal-understanding people and their training) and legal consultation with its knowledge base.

A village's legal adviser is an `Assignment` with the role legal_adviser at the village (one per village served);
`AdviserProfile` holds what villagers need to reach them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunwu.accounts import personal_data


class PointKind(models.TextChoices):
    CENTRE = "centre", _("public legal service centre (county)")
    STATION = "station", _("public legal service station (township)")
    WORKROOM = "workroom", _("public legal service workroom (village)")
    TERMINAL = "terminal", _("smart legal service terminal")


POINT_LEVEL = {PointKind.CENTRE: 3, PointKind.STATION: 4, PointKind.WORKROOM: 5}


class ServicePoint(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=PointKind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)  # the point's public line
    hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region_id", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class AdviserKind(models.TextChoices):
    LAWYER = "lawyer", _("lawyer")
    LEGAL_WORKER = "legal_worker", _("grassroots legal service worker")


class AdviserProfile(models.Model):
    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="adviser_profile")
    kind = models.CharField(_("kind"), max_length=16, choices=AdviserKind.choices, default=AdviserKind.LAWYER)
    organisation = models.CharField(_("law firm or office"), max_length=120, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=40, blank=True)
    work_phone = models.CharField(_("work phone"), max_length=40, blank=True)  # published to villagers
    contact_hours = models.CharField(_("contact hours"), max_length=120, blank=True)

    def __str__(self) -> str:
        return str(self.user)


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class Position(models.TextChoices):
    CHAIR = "chair", _("chair")
    VICE_CHAIR = "vice_chair", _("vice chair")
    MEMBER = "member", _("member")


class Committee(models.Model):
    """A people's mediation committee of a village (or a township)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region_id"]
        constraints = [models.UniqueConstraint(fields=["region"], condition=models.Q(active=True),
                                               name="one_active_committee_per_region")]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    position = models.CharField(_("position"), max_length=12, choices=Position.choices, default=Position.MEMBER)
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["committee_id", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class LegalUnderstandingPerson(models.Model):
    """法律明白人: a villager trained to help neighbours with legal matters (target: 3 per village)."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    phone_sealed = models.TextField(blank=True)
    since = models.DateField(_("since"), default=timezone.localdate)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["village_id", "name"]

    def __str__(self) -> str:
        return self.name

    def phone(self) -> str:
        return personal_data.decrypt(self.phone_sealed) if self.phone_sealed else ""


class Training(models.Model):
    person = models.ForeignKey(LegalUnderstandingPerson, on_delete=models.CASCADE, related_name="trainings")
    day = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    organiser = models.CharField(_("organised by"), max_length=120, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day} {self.topic}"


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    TERMINAL = "terminal", _("self-service terminal")
    STAFF = "staff", _("through village staff")
    HOTLINE = "hotline", _("12348 hotline")
    VISIT = "visit", _("in person at a service point")


class Topic(models.TextChoices):
    FAMILY = "family", _("marriage, family and inheritance")
    LAND = "land", _("land, land contracts and homesteads")
    LABOUR = "labour", _("labour and wages")
    CONTRACT = "contract", _("contracts and debts")
    INJURY = "injury", _("injury and compensation")
    NEIGHBOURS = "neighbours", _("neighbours")
    CONSUMER = "consumer", _("consumers and farm inputs")
    ADMINISTRATIVE = "administrative", _("government decisions and social security")
    OTHER = "other", _("other")


class ConsultationState(models.TextChoices):
    OPEN = "open", _("waiting for the adviser")
    ANSWERED = "answered", _("answered")


class Consultation(models.Model):
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.OTHER)
    asker = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asker_name = models.CharField(max_length=100)
    resident = models.ForeignKey("households.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # the village's record the details were taken from
    asker_phone_sealed = models.TextField(blank=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    adviser = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="consultations")
    state = models.CharField(max_length=10, choices=ConsultationState.choices, default=ConsultationState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    article = models.ForeignKey("Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The worker's supervision of the running time limit: 1 warned at 75%, 2 marked overdue and escalated to the
    # county justice bureau, for the limit that ended at `watch_due` (a new step's limit starts over).
    watch_level = models.PositiveSmallIntegerField(default=0)
    watch_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["adviser", "state", "due_at"], name="consult_adviser_queue"),
                   models.Index(fields=["county_code", "created_at"], name="consult_county")]

    def __str__(self) -> str:
        return f"{self.pk} {self.village_id}"

    @property
    def overdue(self) -> bool:
        moment = self.answered_at or timezone.now()
        return bool(self.due_at and moment > self.due_at)

    def response_seconds(self) -> int | None:
        return int((self.answered_at - self.created_at).total_seconds()) if self.answered_at else None


class Article(models.Model):
    """The knowledge base: an answered question published without anything that identifies the asker, or a
    piece written by an adviser or the justice bureau. `terms` holds the words jieba finds, space-separated, which
    the database's own full-text index searches (SQLite FTS5, PostgreSQL tsvector)."""

    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.OTHER)
    region_code = models.CharField(max_length=12, blank=True, default="")  # "" national, or where it applies
    terms = models.TextField(editable=False, default="")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class PoliceOfficer(models.Model):
    """The police officer for a village (驻村民警 or the community officer of the station), whom villagers call and
    whom a high-risk dispute alerts. The work phone is published to villagers."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    station = models.CharField(_("police station"), max_length=120, blank=True)
    work_phone = models.CharField(_("work phone"), max_length=40)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["village_id", "name"]

    def __str__(self) -> str:
        return self.name


# --- legal aid (Legal Aid Law 2022) -------------------------------------------------------------------------


class AidMatter(models.TextChoices):
    """The civil and administrative matters of art. 31 for which people in financial hardship may apply."""

    STATE_COMPENSATION = "state_compensation", _("state compensation")
    SOCIAL_INSURANCE = "social_insurance", _("social insurance or social assistance")
    PENSION = "pension", _("survivors' pensions and benefits")
    MAINTENANCE = "maintenance", _("maintenance of parents, children or spouse")
    LABOUR = "labour", _("employment relationship or labour pay")
    CAPACITY = "capacity", _("declaration of legal capacity")
    INJURY = "injury", _("injury compensation (work, traffic, food or drugs, medical)")
    ENVIRONMENT = "environment", _("environmental or ecological damage")
    OTHER = "other", _("other matter set by the province")


class NoMeansGroup(models.TextChoices):
    """Applicants who need no check of financial hardship (art. 32 and 42)."""

    NONE = "", _("none (hardship to be shown)")
    MARTYRS = "martyrs", _("close relatives of heroes and martyrs claiming their rights")
    BRAVERY = "bravery", _("injured for an act of bravery")
    ABUSE = "abuse", _("victims of abuse, abandonment or domestic violence")
    VULNERABLE = "vulnerable", _("minors, elderly or disabled people with no fixed income")
    ASSISTANCE = "assistance", _("recipients of subsistence allowance or extreme-poverty support")
    MIGRANT = "migrant", _("migrant workers claiming wages or work-injury compensation")


class Hardship(models.TextChoices):
    """How financial hardship is shown: never by a village income certificate."""

    EXEMPT = "exempt", _("not needed (no means test)")
    PLEDGE = "pledge", _("the applicant's written pledge")
    DATA = "data", _("checked with shared government data")


class RuralKind(models.TextChoices):
    NONE = "", _("not a rural priority case")
    LAND_CONTRACT = "land_contract", _("land contract dispute")
    FARM_INPUTS = "farm_inputs", _("farm inputs (seeds, fertiliser, pesticides)")
    MIGRANT_WAGES = "migrant_wages", _("migrant workers' wages")


class AidChannel(models.TextChoices):
    ONLINE = "online", _("online")
    VILLAGE = "village", _("at the village, through village staff")
    ADVISER = "adviser", _("forwarded by the village legal adviser")
    VISIT = "visit", _("at the legal aid centre")


class AidState(models.TextChoices):
    APPLIED = "applied", _("under review")
    AWAITING = "awaiting", _("waiting for materials")
    GRANTED = "granted", _("granted, lawyer to be assigned")
    REFUSED = "refused", _("refused")
    ASSIGNED = "assigned", _("assigned, lawyer to accept")
    ACCEPTED = "accepted", _("lawyer handling the case")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AidResult(models.TextChoices):
    WON = "won", _("won in full or in part")
    SETTLED = "settled", _("settled or mediated")
    LOST = "lost", _("lost")
    ENDED = "ended", _("aid ended (art. 48)")


class AidPriorityLimits(models.Model):
    """A province's tighter limits, in working days, for rural priority cases (never longer than the law's)."""

    province = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    decision = models.PositiveSmallIntegerField(_("decision"))
    assignment = models.PositiveSmallIntegerField(_("assignment"))
    agreement = models.PositiveSmallIntegerField(_("lawyer's agreement"))
    set_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.province_id} {self.decision}/{self.assignment}/{self.agreement}"


class AidApplication(models.Model):
    """An application for legal aid. The running step's clock is held like a case's: `clock_from` and the working
    seconds left at that moment, so waiting for materials does not count."""

    number = models.CharField(_("number"), max_length=24, unique=True, null=True)  # noqa: DJ001 (set from the pk)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6, db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=AidChannel.choices)
    applicant = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    applicant_name = models.CharField(_("applicant"), max_length=100)
    resident = models.ForeignKey("households.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # the village's record the details were taken from
    applicant_phone_sealed = models.TextField(blank=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    matter = models.CharField(_("matter"), max_length=20, choices=AidMatter.choices)
    no_means = models.CharField(_("no means test"), max_length=12, choices=NoMeansGroup.choices, blank=True,
                                default="")
    hardship = models.CharField(_("hardship shown by"), max_length=8, choices=Hardship.choices)
    rural = models.CharField(_("rural priority"), max_length=16, choices=RuralKind.choices, blank=True, default="")
    opponent = models.CharField(_("the other side"), max_length=200, blank=True)
    facts = models.TextField(_("what happened and what is asked"))
    limitation_ends = models.DateField(_("limitation period ends"), null=True, blank=True)
    state = models.CharField(max_length=10, choices=AidState.choices, default=AidState.APPLIED)
    applied_at = models.DateTimeField(default=timezone.now)

    # the running step's clock (decision, then assignment, then the lawyer's agreement; an objection's decision)
    clock_from = models.DateTimeField(null=True, blank=True)
    clock_remaining = models.BigIntegerField(default=0)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    missing = models.JSONField(default=list, blank=True)
    awaiting_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0)  # calendar seconds spent waiting for materials

    urgent_at = models.DateTimeField(null=True, blank=True)  # help given before the decision
    urgent_note = models.TextField(blank=True)

    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_on_time = models.BooleanField(null=True)
    refusal_reason = models.TextField(_("reasons for refusal"), blank=True)
    objection = models.TextField(_("objection"), blank=True)
    objected_at = models.DateTimeField(null=True, blank=True)
    objection_upheld = models.BooleanField(null=True)
    objection_reply = models.TextField(blank=True)
    objection_decided_at = models.DateTimeField(null=True, blank=True)

    lawyer = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_on_time = models.BooleanField(null=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_on_time = models.BooleanField(null=True)

    result = models.CharField(_("result"), max_length=8, choices=AidResult.choices, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    recovered = models.DecimalField(_("amount recovered (yuan)"), max_digits=14, decimal_places=2, default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The worker's supervision of the running time limit: 1 warned at 75%, 2 marked overdue and escalated to the
    # county justice bureau, for the limit that ended at `watch_due` (a new step's limit starts over).
    watch_level = models.PositiveSmallIntegerField(default=0)
    watch_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at"]
        indexes = [models.Index(fields=["county_code", "applied_at"], name="aid_county"),
                   models.Index(fields=["lawyer", "state"], name="aid_lawyer")]

    def __str__(self) -> str:
        return self.number or str(self.pk)

    @property
    def overdue(self) -> bool:
        return bool(self.due_at and self.clock_from and timezone.now() > self.due_at)

    def applicant_phone(self) -> str:
        return personal_data.decrypt(self.applicant_phone_sealed) if self.applicant_phone_sealed else ""


class CollaborationState(models.TextChoices):
    ASKED = "asked", _("asked, waiting for the other county's answer")
    ACCEPTED = "accepted", _("accepted, being done")
    DECLINED = "declined", _("declined")
    DONE = "done", _("done")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AidCollaboration(models.Model):
    """Off-site collaboration (异地协作): the centre handling an application asks another county's centre to do part
    of it there (gather evidence, serve papers, see a witness). Two clocks of its own beside the application's: the
    other county answers within CUNWU["LEGAL_LIMITS"]["aid_collaboration_answer"], then does it within the working
    days asked. The other county sees the task written for it, not the application's file."""

    application = models.ForeignKey(AidApplication, on_delete=models.PROTECT, related_name="collaborations")
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")  # the application's
    county_code = models.CharField(max_length=6)  # the asking county
    helper = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")  # the county asked
    task = models.TextField(_("what is asked"))
    days = models.PositiveSmallIntegerField(_("working days to do it"))
    state = models.CharField(max_length=10, choices=CollaborationState.choices, default=CollaborationState.ASKED)
    asked_at = models.DateTimeField(default=timezone.now)
    asked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    step_from = models.DateTimeField()  # when the running step's clock started
    due_at = models.DateTimeField(null=True, blank=True)  # the running step's limit (None once ended)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_on_time = models.BooleanField(null=True)
    decline_reason = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_on_time = models.BooleanField(null=True)
    result = models.TextField(_("what was done"), blank=True)
    watch_level = models.PositiveSmallIntegerField(default=0)  # as on the application (supervise.py)
    watch_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at"]
        indexes = [models.Index(fields=["helper", "state"], name="aidcollab_helper"),
                   models.Index(fields=["county_code", "asked_at"], name="aidcollab_county")]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.helper_id} {self.state}"


# --- people's mediation (People's Mediation Law 2010) ---------------------------------------------------------


class DisputeCategory(models.TextChoices):
    """The categories of the mediation statistics (DOMAIN.md)."""

    FAMILY = "family", _("marriage, family and inheritance")
    NEIGHBOURS = "neighbours", _("neighbours")
    HOUSING = "housing", _("housing and homestead")
    COMPENSATION = "compensation", _("damage compensation")
    CONTRACT = "contract", _("contracts")
    LAND = "land", _("forest, land and land contract")
    REQUISITION = "requisition", _("land requisition and demolition")
    LABOUR = "labour", _("labour")
    FAMILY_PLANNING = "family_planning", _("family planning")
    VILLAGE_AFFAIRS = "village_affairs", _("village affairs")
    ENVIRONMENT = "environment", _("environment")
    TRAFFIC = "traffic", _("traffic accidents")
    MEDICAL = "medical", _("medical")
    PROPERTY = "property", _("property management")
    OTHER = "other", _("other")


class Risk(models.TextChoices):
    RED = "red", _("red (high risk of escalation)")
    ORANGE = "orange", _("orange")
    YELLOW = "yellow", _("yellow")


class Source(models.TextChoices):
    SCREENING = "screening", _("found by screening")
    APPLICATION = "application", _("applied for by a party")
    COURT = "court", _("referred by the court")
    POLICE = "police", _("referred by the police")
    PETITION = "petition", _("referred by the petition office")


class Screening(models.Model):
    """A visit to look for disputes (矛盾纠纷排查): how many were found, or that none was."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    day = models.DateField(_("date"))
    visited = models.PositiveIntegerField(_("households visited"), default=0)
    found = models.PositiveIntegerField(_("disputes found"), default=0)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["county_code", "day"], name="screening_county")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.day}"


class MediationState(models.TextChoices):
    OPEN = "open", _("being mediated")
    SUCCEEDED = "succeeded", _("mediated successfully")
    FAILED = "failed", _("mediation failed")
    TERMINATED = "terminated", _("terminated")


class Court(models.TextChoices):
    NONE = "", _("not applied")
    APPLIED = "applied", _("applied to the court")
    CONFIRMED = "confirmed", _("confirmed by the court")
    REJECTED = "rejected", _("not confirmed by the court")


class MediationCase(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True, null=True)  # noqa: DJ001 (set from the pk)
    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="cases")
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    category = models.CharField(_("category"), max_length=16, choices=DisputeCategory.choices)
    summary = models.TextField(_("summary of the dispute"))
    risk = models.CharField(_("risk level"), max_length=6, choices=Risk.choices, default=Risk.YELLOW)
    mediators = models.ManyToManyField("accounts.User", related_name="mediations")
    state = models.CharField(max_length=10, choices=MediationState.choices, default=MediationState.OPEN)
    opened_on = models.DateField(_("accepted on"))
    due_on = models.DateField(_("to end by"))
    extended = models.BooleanField(default=False)
    extension_reason = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True)
    result_note = models.TextField(_("result"), blank=True)
    amount = models.DecimalField(_("amount involved (yuan)"), max_digits=14, decimal_places=2, default=0)
    oral = models.BooleanField(default=False)  # an oral agreement, recorded in the file
    court = models.CharField(_("judicial confirmation"), max_length=10, choices=Court.choices, blank=True, default="")
    court_name = models.CharField(_("court"), max_length=120, blank=True)
    court_applied_on = models.DateField(null=True, blank=True)
    court_decided_on = models.DateField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    # The worker's supervision of the running time limit: 1 warned at 75%, 2 marked overdue and escalated to the
    # county justice bureau, for the limit that ended at `watch_due` (a new step's limit starts over).
    watch_level = models.PositiveSmallIntegerField(default=0)
    watch_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["county_code", "opened_on"], name="mediation_county"),
                   models.Index(fields=["village", "state"], name="mediation_village")]

    def __str__(self) -> str:
        return self.number or str(self.pk)


class Side(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    RESPONDENT = "respondent", _("respondent")


class PartyKind(models.TextChoices):
    PERSON = "person", _("a person")
    ORGANISATION = "organisation", _("an organisation (a company, a cooperative, a village committee)")


class Party(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    kind = models.CharField(max_length=12, choices=PartyKind.choices, default=PartyKind.PERSON)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)  # a person's only
    representative = models.CharField(max_length=100, blank=True)  # an organisation's legal representative
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    phone_sealed = models.TextField(blank=True)
    address_sealed = models.TextField(blank=True)
    agent = models.CharField(_("agent"), max_length=100, blank=True)
    consented_extension = models.BooleanField(default=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_how = models.CharField(max_length=12, blank=True)  # "signature" or "fingerprint"

    class Meta:
        ordering = ["case_id", "side", "pk"]

    def __str__(self) -> str:
        return self.name

    def phone(self) -> str:
        return personal_data.decrypt(self.phone_sealed) if self.phone_sealed else ""

    def address(self) -> str:
        return personal_data.decrypt(self.address_sealed) if self.address_sealed else ""


class Session(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    record = models.TextField(_("record"))
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class Agreement(models.Model):
    """The written mediation agreement. Its text is fixed once anyone signs; it takes effect when every party and
    the mediator have signed and the committee's seal is affixed."""

    case = models.OneToOneField(MediationCase, on_delete=models.CASCADE, related_name="agreement")
    facts = models.TextField(_("facts"))
    matters = models.TextField(_("matters in dispute"))
    responsibilities = models.TextField(_("responsibilities"))
    terms = models.JSONField(default=list)  # [{"text": ..., "how": ..., "by": "YYYY-MM-DD"}]
    drafted_at = models.DateTimeField(default=timezone.now)
    mediator_signed_at = models.DateTimeField(null=True, blank=True)
    mediator_signed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    sealed_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.case_id}"


class Performance(models.TextChoices):
    FULL = "full", _("performed in full")
    PARTIAL = "partial", _("partly performed")
    NONE = "none", _("not performed")


class FollowUp(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="follow_ups")
    day = models.DateField(_("date"))
    performance = models.CharField(_("performance"), max_length=8, choices=Performance.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["day", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.day} {self.performance}"


# --- legal publicity ------------------------------------------------------------------------------------------


class Law(models.TextChoices):
    CONSTITUTION = "constitution", _("the Constitution")
    CIVIL_CODE = "civil_code", _("the Civil Code")
    RURAL_REVITALISATION = "rural", _("the Rural Revitalisation Promotion Law")
    LEGAL_AID = "legal_aid", _("the Legal Aid Law")
    LAND_CONTRACT = "land_contract", _("the Rural Land Contract Law")
    DOMESTIC_VIOLENCE = "domestic_violence", _("the Anti-Domestic Violence Law")
    ANTI_FRAUD = "anti_fraud", _("the Anti-Telecom and Online Fraud Law")
    OTHER = "other", _("other laws")


class EventKind(models.TextChoices):
    LECTURE = "lecture", _("lecture or talk")
    PERFORMANCE = "performance", _("legal-art performance")
    STALL = "stall", _("street consultation stall")
    TRAINING = "training", _("training")


class PublicityEvent(models.Model):
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    law = models.CharField(_("topic"), max_length=20, choices=Law.choices)
    title = models.CharField(_("title"), max_length=200)
    place = models.CharField(_("place"), max_length=200)
    day = models.DateField(_("date"))
    attendance = models.PositiveIntegerField(_("attendance"))
    troupe = models.CharField(_("troupe"), max_length=120, blank=True)  # for performances
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=10, decimal_places=2, default=0)
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["county_code", "day"], name="publicity_county")]

    def __str__(self) -> str:
        return self.title


class DemoLevel(models.TextChoices):
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    CITY = "city", _("city")
    COUNTY = "county", _("county")


class DemonstrationVillage(models.Model):
    """民主法治示范村: a village named a demonstration village of democracy and the rule of law."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=10, choices=DemoLevel.choices)
    year = models.PositiveSmallIntegerField(_("year named"))
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["village_id", "level"]
        constraints = [models.UniqueConstraint(fields=["village", "level"], name="one_title_per_level")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.level} {self.year}"


class Scan(models.Model):
    """A scan or photo on a legal-aid or mediation file: materials, a signed paper agreement, a court's ruling.
    Read only by those who read the file, and every read is audited."""

    aid = models.ForeignKey(AidApplication, null=True, blank=True, on_delete=models.CASCADE, related_name="scans")
    mediation = models.ForeignKey(MediationCase, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="scans")
    what = models.CharField(_("what it is"), max_length=200)
    file = models.FileField(upload_to="legal/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(
            condition=Q(aid__isnull=False, mediation__isnull=True) | Q(aid__isnull=True, mediation__isnull=False),
            name="scan_on_one_file")]

    def __str__(self) -> str:
        return self.what

    @property
    def parent(self):
        return self.aid or self.mediation
