from django.db import models
from django.utils.translation import gettext_lazy as _

from . import codes


class Level(models.IntegerChoices):
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county")
    TOWNSHIP = 4, _("township")
    VILLAGE = 5, _("village")


class RegionQuerySet(models.QuerySet):
    def within(self, code: str, field: str = "code"):
        lo, hi = codes.code_range(code)
        return self.filter(**{f"{field}__gte": lo, f"{field}__lt": hi})

    def active(self):
        return self.filter(active=True)

    def village(self, code: str):
        """The active village (or community) with this code, or None."""
        return self.filter(code=(code or "").strip(), level=5, active=True).first()


class Region(models.Model):
    """One division of the five-level tree, keyed by its statistical code.

    Regions are never deleted: a code that vanishes from a later edition is marked inactive, because cases,
    assignments and audit entries keep referring to it.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", db_constraint=True
    )
    # Only meaningful for 12-digit committees: True for a rural village committee (村委会), False for an
    # urban community or special unit.
    is_rural = models.BooleanField(_("rural village"), null=True)
    active = models.BooleanField(_("active"), default=True)
    edition = models.CharField(_("edition"), max_length=10, default="2023")

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def level_name(self) -> str:
        return codes.LEVEL_NAMES[self.level]

    def ancestor_codes(self) -> list[str]:
        return codes.ancestors(self.code)

    def path(self) -> list["Region"]:
        """This region and its ancestors, province first (one query)."""
        found = {r.code: r for r in Region.objects.filter(code__in=self.ancestor_codes())}
        return [found[c] for c in self.ancestor_codes() if c in found]

    def full_name(self) -> str:
        return "".join(r.name for r in self.path())
