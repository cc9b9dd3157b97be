"""Admission requests and their joint review; the burden registry of each village; the county's annual
forms list; and the demands villages report that never went through admission."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import (
    Decision,
    DemandKind,
    DutyKind,
    Frequency,
    Placement,
    ReportKind,
    ReportOutcome,
    ReportState,
    RequestState,
)

EVENT_LABELS = {
    "filed": _("filed the request"), "refused": _("refused by the negative list"),
    "review.approve": _("approved in joint review"), "review.reject": _("rejected in joint review"),
    "admitted": _("approved onto the county list"), "declined": _("declined by the county"),
    "withdrawn": _("withdrew it"), "to_province": _("approved by the county, sent to the province for consent"),
    "consented": _("consented by the province: admitted"), "not_consented": _("refused by the province"),
}


class AdmissionRequest(models.Model):
    """A department or township asks that villages take on a work item, form, mechanism or plaque."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DemandKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what villages would do"))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    applicant_department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")
    applicant_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                         help_text="the county (for a department) or the township that applies")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope = models.JSONField(_("villages concerned"), default=list)  # region codes (county, townships, villages)
    frequency = models.CharField(_("how often"), max_length=16, choices=Frequency.choices)
    funding_yuan = models.DecimalField(_("funding per village per year (yuan)"), max_digits=12, decimal_places=2,
                                       default=0)
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    working_conditions = models.TextField(_("working conditions transferred"), blank=True)
    form_fields = models.JSONField(_("fields asked (forms)"), default=list, blank=True)
    placement = models.CharField(_("placement (plaques)"), max_length=16, choices=Placement.choices, blank=True)
    negative_duties = models.JSONField(_("negative-list duties"), default=list, blank=True)
    reviewers = models.JSONField(default=list)  # department kinds on the panel when the request was filed
    state = models.CharField(_("state"), max_length=20, choices=RequestState.choices,
                             default=RequestState.UNDER_REVIEW)
    reason = models.TextField(_("reason"), blank=True)  # why refused, rejected, not approved or withdrawn
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["county", "state"])]
        verbose_name = _("admission request")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def applicant_name(self) -> str:
        if self.applicant_department_id:
            return str(self.applicant_department)
        return self.applicant_region.name


class Review(models.Model):
    request = models.ForeignKey(AdmissionRequest, on_delete=models.CASCADE, related_name="reviews")
    reviewer_kind = models.CharField(max_length=32)  # the reviewing department's kind
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "reviewer_kind"], name="one_review_per_reviewer")]
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.request.number} {self.reviewer_kind} {self.decision}"


class AdmissionEvent(models.Model):
    """The request's history, in plain words (filed, reviewed, admitted, withdrawn ...)."""

    request = models.ForeignKey(AdmissionRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request.number} {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class ReviewPanel(models.Model):
    """A county's own reviewers, when they differ from the default panel (CUNWU["ADMISSION_REVIEWERS"])."""

    county = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    kinds = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.county_id}: {', '.join(self.kinds)}"


class LawfulDuty(models.Model):
    """One entry of a county's list of duties by law: what village organisations do (or assist the government
    with) because a law says so. Public, with the negative list and the directory; an entry ends, it is never
    deleted."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=DutyKind.choices)
    title = models.CharField(_("title"), max_length=200)
    basis = models.TextField(_("legal basis"))
    department = models.CharField(_("competent department"), max_length=32, blank=True)
    since = models.DateField()
    ended = models.DateField(null=True, blank=True)
    added_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["county_id", "kind", "pk"]
        indexes = [models.Index(fields=["county", "ended"])]

    def __str__(self) -> str:
        return f"{self.county_id} {self.title}"


class BurdenCap(models.Model):
    """A county's cap on what one village carries (总量控制): work items, working mechanisms and forms filled by
    hand in force at once. Admitting more needs the province's consent. Empty: no cap for that kind."""

    county = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    work_items = models.PositiveSmallIntegerField(_("work items per village"), null=True, blank=True)
    mechanisms = models.PositiveSmallIntegerField(_("working mechanisms per village"), null=True, blank=True)
    forms = models.PositiveSmallIntegerField(_("forms per village"), null=True, blank=True)
    set_at = models.DateTimeField(auto_now=True)
    set_label = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"{self.county_id}: {self.work_items}/{self.mechanisms}/{self.forms}"

    def limit(self, kind: str) -> int | None:
        return {"work_item": self.work_items, "mechanism": self.mechanisms, "form": self.forms}.get(kind)


class PlaqueStandard(models.Model):
    """A province's standard for the plaques outside a village's service centre (seed 004): how many at most, which
    ones, and their style. Without one, the national list in choices.STANDARD_PLAQUES holds."""

    province = models.OneToOneField("regions.Region", on_delete=models.PROTECT, related_name="+")
    names = models.JSONField(_("the plaques hung outside"), default=list)
    most = models.PositiveSmallIntegerField(_("at most this many outside"))
    style = models.TextField(_("style (size, material, colour)"), blank=True)
    version = models.PositiveIntegerField(default=1)
    set_at = models.DateTimeField(auto_now=True)
    set_label = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"{self.province_id} v{self.version}"


class FormsList(models.Model):
    """The county's annual list of forms and returns villages may be asked for; nothing outside it."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    published_at = models.DateTimeField(null=True, blank=True)
    published_label = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="one_forms_list_per_county_year")]
        ordering = ["county_id", "-year"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}"


class FormsListEntry(models.Model):
    forms_list = models.ForeignKey(FormsList, on_delete=models.CASCADE, related_name="entries")
    title = models.CharField(_("title"), max_length=200)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    demanded_by = models.CharField(_("demanded by"), max_length=200)
    frequency = models.CharField(_("how often"), max_length=16, choices=Frequency.choices)
    basis = models.TextField(_("basis"), blank=True)
    fields = models.JSONField(default=list, blank=True)
    # one metric key per field (see returns.py), "" for a field typed by hand; computed when every field has one
    columns = models.JSONField(default=list, blank=True)
    computed = models.BooleanField(default=False)
    admission = models.ForeignKey(AdmissionRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["forms_list_id", "pk"]

    def __str__(self) -> str:
        return self.title


class ObligationQuerySet(models.QuerySet):
    def in_force(self, start: dt.date, end: dt.date) -> ObligationQuerySet:
        """The rows in force on any day from `start` to `end` (inclusive): begun by `end`, not ended before
        `start`."""
        return self.filter(since__lte=end).filter(models.Q(ended__isnull=True) | models.Q(ended__gte=start))


class Obligation(models.Model):
    """One thing demanded of one village: an admitted work item, a mechanism, a plaque, or a listed form, in force
    from `since` to `ended` (inclusive; open while it lasts). A listed form is in force within its list's year."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=DemandKind.choices)
    title = models.CharField(_("title"), max_length=200)
    demanded_by = models.CharField(_("demanded by"), max_length=200)
    basis = models.TextField(_("basis"), blank=True)
    times_per_year = models.PositiveSmallIntegerField(default=1)
    placement = models.CharField(max_length=16, choices=Placement.choices, blank=True)
    standard = models.BooleanField(default=False)  # a standard plaque or a mechanism required by law
    admission = models.ForeignKey(AdmissionRequest, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="obligations")
    form = models.ForeignKey(FormsListEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    since = models.DateField()
    ended = models.DateField(null=True, blank=True)

    objects = ObligationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["village", "active", "kind"])]
        ordering = ["village_id", "kind", "title"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.title}"


class DemandReport(models.Model):
    """A village reports a demand that never went through admission (or a form not on the annual list)."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    anonymous = models.BooleanField(_("hide my name from the demanding department"), default=False)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    demanded_by = models.CharField(_("who demanded it"), max_length=200)
    kind = models.CharField(_("kind of report"), max_length=16, choices=ReportKind.choices, default=ReportKind.DEMAND)
    what = models.TextField(_("what was demanded"))
    demanded_on = models.DateField(_("when"))
    state = models.CharField(max_length=16, choices=ReportState.choices, default=ReportState.OPEN)
    outcome = models.CharField(max_length=16, choices=ReportOutcome.choices, blank=True)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["village", "state"])]

    def __str__(self) -> str:
        return f"{self.village_id} {self.demanded_by}"


class RequestCounter(models.Model):
    """The last admission-request number given in a county in a year: taken with one atomic UPDATE, so two
    requests filed at the same moment never get the same number."""

    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="one_request_counter_per_year")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}: {self.last}"
