"""The lists of the village's own data: relations to the head, where a person lives, the key groups (重点群体)
and how a visit went. The key groups and their visit rules follow seed 003 §4, §18, §19."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    CHILD_IN_LAW = "child_in_law", _("child-in-law")
    GRANDCHILD = "grandchild", _("grandchild")
    PARENT = "parent", _("parent")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("brother or sister")
    OTHER = "other", _("other relative")


class Residence(models.TextChoices):
    REGISTERED_HERE = "registered_here", _("registered and living here")
    REGISTERED_AWAY = "registered_away", _("registered here, living elsewhere")
    LIVING_HERE = "living_here", _("living here, registered elsewhere")


class Status(models.TextChoices):
    MEMBER = "member", _("member of the household")
    MOVED_AWAY = "moved_away", _("moved away")
    DECEASED = "deceased", _("deceased")


class KeyGroup(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("elderly person living alone")
    SEVERE_DISABILITY = "severe_disability", _("severe disability")
    LEFT_BEHIND_CHILD = "left_behind_child", _("left-behind child")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("child in difficulty")
    POVERTY_MONITORING = "poverty_monitoring", _("under monitoring against falling back into poverty")
    SUBSISTENCE = "subsistence", _("subsistence allowance (低保)")
    EXTREME_HARDSHIP = "extreme_hardship", _("extreme hardship support (特困)")
    VETERAN_IN_DIFFICULTY = "veteran_in_difficulty", _("veteran in difficulty")
    FAMILY_PLANNING = "family_planning", _("special family-planning family")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    PHONE = "phone", _("by phone")


class Condition(models.TextChoices):
    WELL = "well", _("well")
    NEEDS_HELP = "needs_help", _("needs help")
    URGENT = "urgent", _("urgent: in danger or unwell")
    NOT_MET = "not_met", _("could not be reached")


@dataclass(frozen=True)
class Rule:
    every: int  # days between two visits of any kind
    in_person: int  # days between two visits in person


# What a county has not set: the intervals asked of villages in practice (elderly living alone weekly by phone
# or visit and monthly in person; the other groups monthly, in person at least every quarter).
DEFAULT_RULES: dict[str, Rule] = {
    KeyGroup.ELDERLY_ALONE: Rule(7, 30),
    KeyGroup.SEVERE_DISABILITY: Rule(14, 30),
    KeyGroup.LEFT_BEHIND_CHILD: Rule(14, 30),
    KeyGroup.CHILD_IN_DIFFICULTY: Rule(14, 30),
    KeyGroup.POVERTY_MONITORING: Rule(30, 30),
    KeyGroup.SUBSISTENCE: Rule(30, 90),
    KeyGroup.EXTREME_HARDSHIP: Rule(14, 30),
    KeyGroup.VETERAN_IN_DIFFICULTY: Rule(30, 90),
    KeyGroup.FAMILY_PLANNING: Rule(30, 90),
}
WARN_AT = 0.75  # the worker is told when three quarters of the interval have passed
