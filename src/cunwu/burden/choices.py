"""Vocabularies of admission and the burden registry (seed 004)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandKind(models.TextChoices):
    WORK_ITEM = "work_item", _("work item")
    FORM = "form", _("form or data return")
    MECHANISM = "mechanism", _("working mechanism")
    PLAQUE = "plaque", _("plaque")
    APP = "app", _("government app")
    WORK_GROUP = "work_group", _("work group (WeChat or other messaging)")


# Apps and work groups villages are asked to use (seed 004 §3): registered through the same admission.
CHANNELS = ("app", "work_group")


class ReportKind(models.TextChoices):
    """What a village reports that never went through admission."""

    DEMAND = "demand", _("a work item, form or other demand")
    APP = "app", _("a government app not on the county's list")
    WORK_GROUP = "work_group", _("a work group not on the county's list")


class Frequency(models.TextChoices):
    ONCE = "once", _("once")
    YEARLY = "yearly", _("yearly")
    HALF_YEARLY = "half_yearly", _("every half year")
    QUARTERLY = "quarterly", _("quarterly")
    MONTHLY = "monthly", _("monthly")
    WEEKLY = "weekly", _("weekly")
    AS_NEEDED = "as_needed", _("as needed")


TIMES_PER_YEAR = {"once": 1, "yearly": 1, "half_yearly": 2, "quarterly": 4, "monthly": 12, "weekly": 52, "as_needed": 1}


class NegativeDuty(models.TextChoices):
    """What a village organisation may never be made responsible for (seed 004)."""

    LAW_ENFORCEMENT = "law_enforcement", _("administrative law enforcement")
    DEMOLITION = "demolition", _("demolition")
    INVESTMENT = "investment", _("investment promotion")
    PRODUCTION_SAFETY = "production_safety", _("production safety")


# Words that reveal a negative-list duty in a request's text, whatever the applicant declared.
NEGATIVE_WORDS = {
    NegativeDuty.LAW_ENFORCEMENT: ("行政执法", "执法"),
    NegativeDuty.DEMOLITION: ("拆迁", "征收拆除", "强拆"),
    NegativeDuty.INVESTMENT: ("招商引资", "招商"),
    NegativeDuty.PRODUCTION_SAFETY: ("安全生产",),
}


class RequestState(models.TextChoices):
    UNDER_REVIEW = "under_review", _("under joint review")
    REVIEWED = "reviewed", _("approved by every reviewer, awaiting the county")
    AWAITING_PROVINCE = "awaiting_province", _("approved by the county, awaiting the province's consent")
    ADMITTED = "admitted", _("admitted")
    REJECTED = "rejected", _("rejected")
    REFUSED = "refused", _("refused automatically (negative list)")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Decision(models.TextChoices):
    APPROVE = "approve", _("approve")
    REJECT = "reject", _("reject")


class Placement(models.TextChoices):
    OUTSIDE = "outside", _("outside the service centre")
    INSIDE = "inside", _("inside the service centre")


class ReportState(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")


class ReportOutcome(models.TextChoices):
    STOPPED = "stopped", _("demand stopped")
    ADMITTED = "admitted", _("brought into admission")
    UNFOUNDED = "unfounded", _("unfounded")


# The plaques hung outside a village's service centre by the standard (seed 004); any other plaque hangs inside.
STANDARD_PLAQUES = (
    "村党组织", "村民委员会", "村务监督委员会", "村集体经济组织", "村党群服务中心", "新时代文明实践站",
)


class DutyKind(models.TextChoices):
    """The list of duties by law (seed 004), the third list beside the negative list and the directory."""

    PERFORM = "perform", _("duty the village organisation performs by law")
    ASSIST = "assist", _("matter the village organisation assists the government with by law")
