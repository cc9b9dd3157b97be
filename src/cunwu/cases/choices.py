"""The vocabulary of cases: kinds, channels, categories, urgencies, states, stages, grades and timeline actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    APPLICATION = "application", _("application for a service item")
    DEMAND = "demand", _("demand")


class DemandType(models.TextChoices):
    PROBLEM = "problem", _("problem to solve")
    COMPLAINT = "complaint", _("complaint")
    SUGGESTION = "suggestion", _("suggestion")


class Category(models.TextChoices):
    UTILITIES = "utilities", _("water, power, gas or heating")
    WEATHER = "weather", _("extreme weather or disaster")
    ROADS = "roads", _("roads and transport")
    ENVIRONMENT = "environment", _("environment and sanitation")
    LAND = "land", _("land and housing")
    FARMING = "farming", _("farming and farm inputs")
    ASSISTANCE = "assistance", _("social assistance and pensions")
    WAGES = "wages", _("employment and wages")
    HEALTH = "health", _("health and medical insurance")
    EDUCATION = "education", _("schooling")
    SECURITY = "security", _("public security")
    DISPUTE = "dispute", _("neighbour or family dispute")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("emergency: risk to life or property")
    URGENT = "urgent", _("urgent: utilities or extreme weather")
    NORMAL = "normal", _("general")
    COMPLEX = "complex", _("complex")


# Categories that are urgent unless someone says otherwise (Beijing 12345: water, power, gas, heating, weather).
URGENT_CATEGORIES = {Category.UTILITIES, Category.WEATHER}


class Channel(models.TextChoices):
    COUNTER = "counter", _("at the service point, handled by village staff")
    ONLINE = "online", _("online")
    TERMINAL = "terminal", _("self-service terminal")
    HOTLINE = "hotline", _("hotline")
    API = "api", _("connected system")


class State(models.TextChoices):
    NEW = "new", _("waiting for a first response")
    HANDLING = "handling", _("being handled")
    AWAITING_MATERIALS = "awaiting_materials", _("waiting for the applicant's materials")
    RESOLVED = "resolved", _("result given, waiting for the rating")
    RECTIFYING = "rectifying", _("being put right after a bad rating")
    CLOSED = "closed", _("closed")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")
    MERGED = "merged", _("joined to another request of the same matter; its result will be this one's")


OPEN_STATES = (State.NEW, State.HANDLING, State.AWAITING_MATERIALS, State.RECTIFYING)
FINAL_STATES = (State.CLOSED, State.REFUSED, State.WITHDRAWN)


class Stage(models.TextChoices):
    VILLAGE = "village", _("village")
    TOWNSHIP = "township", _("township")
    DEPARTMENT = "department", _("county departments")


class DispatchState(models.TextChoices):
    CALLED = "called", _("called, not yet signed in")
    SIGNED_IN = "signed_in", _("signed in")
    RESPONDED = "responded", _("responded")
    RETURNED = "returned", _("returned to the township")
    WITHDRAWN = "withdrawn", _("called off")


class Grade(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("very dissatisfied")
    DISSATISFIED = 2, _("dissatisfied")
    FAIR = 3, _("fairly satisfied")
    SATISFIED = 4, _("satisfied")
    VERY_SATISFIED = 5, _("very satisfied")


BAD_GRADES = (Grade.VERY_DISSATISFIED, Grade.DISSATISFIED)


class Unit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    WORKDAYS = "workdays", _("working days")


class Action(models.TextChoices):
    """Every step on a case's timeline, said the way the applicant reads it."""

    SUBMITTED = "submitted", _("The request was received")
    TAKEN = "taken", _("An official took charge of the request")
    HANDED_OVER = "handed_over", _("The request was handed over to another official")
    NOTE = "note", _("A note on progress was added")
    RETURNED = "returned", _("Materials are missing: the applicant was told everything needed at once")
    SUPPLIED = "supplied", _("The applicant supplied the missing materials")
    REFUSED = "refused", _("The request was refused")
    ESCALATED = "escalated", _("The village asked the township for help")
    AUTO_ESCALATED = "auto_escalated", _("The village did not finish in time, so the request went to the township")
    DISPATCHED = "dispatched", _("The township called county departments in")
    SIGNED_IN = "signed_in", _("A county department reported in")
    DEPARTMENT_RETURNED = "department_returned", _("A county department said the matter is not theirs")
    RESPONDED = "responded", _("A county department answered")
    REASSIGNED = "reassigned", _("The township decided who is responsible")
    RESOLVED = "resolved", _("The result was given")
    RATED = "rated", _("The applicant rated the result")
    RATED_FOR = "rated_for", _("The village staff recorded the applicant's rating")
    REOPENED = "reopened", _("The result was rated bad, so it is being put right")
    CALLBACK = "callback", _("An official called the applicant back")
    RATING_EXCLUDED = "rating_excluded", _("A supervisor set a rating aside")
    CLOSED = "closed", _("The request was closed")
    WITHDRAWN = "withdrawn", _("The applicant withdrew the request")
    ATTACHED = "attached", _("A file was added")
    TRANSFERRED = "transferred", _("The request was passed to the village it belongs to")
    MERGED = "merged", _("The request was joined to another about the same matter")
    RELEASED = "released", _("The request it was joined to ended without a result, so it is handled on its own")
    WARNED = "warned", _("Three quarters of the time limit have passed")
    OVERDUE = "overdue", _("The time limit has passed")


class RatingGiven(models.TextChoices):
    """How a villager without a phone gave the rating the staff recorded."""

    IN_PERSON = "in_person", _("In person, at the counter or at home")
    CALL = "call", _("On a call to their landline or a relative's phone")
    PAPER = "paper", _("On a signed paper rating slip")
