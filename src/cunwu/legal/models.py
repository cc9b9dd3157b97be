"""Public legal services at the village: the service network (points, advisers, mediation committees,
legal-understanding people and their training) and legal consultation with its knowledge base.

A village's legal adviser is an `Assignment` with the role legal_adviser at the village (one per village served);
`AdviserProfile` holds what villagers need to reach them."""

from __future__ import annotations

from django.db import models
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
