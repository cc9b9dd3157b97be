"""The nation as a federation of provincial deployments (docs/deployment.md): each province's instance sends the
national instance its daily tallies, signed with the province's key; the national instance keeps the latest
signed report of each province and day, and never any personal data.

On the national instance: `Province` (whose reports are accepted, with its public key) and `Report`. On a
province's instance: `Sent` (what was reported, and whether the national instance took it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A province's deployment allowed to report, by its two-digit division code and its public key."""

    code = models.CharField(_("province code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=50)
    public_key = models.CharField(_("public key"), max_length=64)
    active = models.BooleanField(default=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Report(models.Model):
    """The tallies of the cases a province received on one day, per county, as the province last reported them
    (a day's figures keep moving as its cases are answered, so the province reports recent days again; the
    newer report replaces the older). `text` and `signature` are kept as received: anyone can check them."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="reports")
    day = models.DateField()
    generated_at = models.DateTimeField()
    received_at = models.DateTimeField()
    counties = models.JSONField(default=dict)  # {county code: {count name: n}}
    totals = models.JSONField(default=dict)  # {count name: n}, the counties summed
    text = models.TextField()
    signature = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["province", "day"], name="one_report_per_province_day")]
        indexes = [models.Index(fields=["day", "province"], name="report_day")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.day}"


class Sent(models.Model):
    """On a province's instance: the report of a day last sent to the national instance, and its answer."""

    day = models.DateField(unique=True)
    generated_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    accepted = models.BooleanField(default=False)
    digest = models.CharField(max_length=64, blank=True)  # of the counts taken: a day is sent again when they move
    answer = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.day} {'accepted' if self.accepted else 'not accepted'}"
