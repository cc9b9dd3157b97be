"""The vocabularies of a service item (national item-list standard) and of the three-tier directory."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunwu.regions.models import Level


class Tier(models.IntegerChoices):
    """A directory's tier is the level of the region that publishes it."""

    PROVINCE = 1, _("provincial reference directory")
    CITY = 2, _("municipal guidance directory")
    COUNTY = 3, _("county basic directory")


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("administrative licensing")
    CONFIRMATION = "confirmation", _("administrative confirmation")
    BENEFIT = "benefit", _("administrative benefit payment")
    ADJUDICATION = "adjudication", _("administrative adjudication")
    REWARD = "reward", _("administrative reward")
    OTHER_POWER = "other_power", _("other administrative power")
    PUBLIC_SERVICE = "public_service", _("public service")


class MatterKind(models.TextChoices):
    """Seed 004's diversion: who is responsible for a matter handled at the village."""

    GOVERNMENT_SERVICE = "government_service", _("basic public service of government")
    VILLAGE_AFFAIRS = "village_affairs", _("village public affairs and welfare")
    VILLAGER_OWN = "villager_own", _("villager's own matter")


class Opens(models.TextChoices):
    """What applying for an item opens: a request to the village (a case), or the legal file the law gives it."""

    CASE = "", _("a request handled through the village")
    LEGAL_AID = "legal_aid", _("a legal-aid application to the county's legal aid centre")
    MEDIATION = "mediation", _("an application to the people's mediation committee")


class HandlingMode(models.TextChoices):
    ACCEPT_FORWARD = "accept_forward", _("accept and forward")
    PROXY = "proxy", _("proxy handling")
    ONLINE = "online", _("fully online")
    TERMINAL = "terminal", _("self-service terminal")
    VIDEO = "video", _("video handling")


class OnlineDepth(models.IntegerChoices):
    NONE = 0, _("not online")
    INFORMATION = 1, _("information online")
    FORMS = 2, _("forms downloadable")
    SUBMISSION = 3, _("applications submitted online")
    FULL = 4, _("handled fully online")


# The level that exercises an item is a level of the region tree.
ExerciseLevel = Level


class MaterialForm(models.TextChoices):
    PAPER = "paper", _("paper")
    ELECTRONIC = "electronic", _("electronic")
    EITHER = "either", _("paper or electronic")


class QuestionType(models.TextChoices):
    TEXT = "text", _("text")
    NUMBER = "number", _("number")
    DATE = "date", _("date")
    CHOICE = "choice", _("choice")
    MULTI_CHOICE = "multi_choice", _("multiple choice")
    FILE = "file", _("file")


class VersionState(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")
