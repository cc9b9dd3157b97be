"""Who sees and acts on legal services.

Consultations are personal: the asker, the adviser it was given to, whoever took it in on the asker's behalf,
the county justice bureau (department officers of kind justice, who also run the 12348 hotline) and the
supervisors and auditors of the region see them. Village staff do not read their villagers' legal questions.
The network (service points, committees, legal-understanding people) is managed by the justice bureau of the
county and by the village's staff for their own village; the public sees points, advisers, committees and the names of
legal-understanding people (their phones are sealed and never shown). Published knowledge-base articles are public.
"""

from django.db.models import Q

from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW, Policy, register, within
from cunwu.accounts.roles import SPECS, Role

ANSWER = "answer"
REVIEWERS = (Role.SUPERVISOR, Role.AUDITOR)


def is_justice(assignment) -> bool:
    return assignment.role == Role.DEPARTMENT_OFFICER and getattr(assignment.department, "kind", "") == "justice"


def _consultation_rule(user, a, action):
    if a.role == Role.LEGAL_ADVISER:
        return Q(adviser_id=user.pk) if action in (VIEW, ANSWER) else None
    if is_justice(a):
        return within("village_id", a.region_id) if action in (VIEW, ANSWER) else None
    if a.role in REVIEWERS and action == VIEW:
        return within("village_id", a.region_id)
    return None


def _consultation_own(user, action):
    return (Q(asker_id=user.pk) | Q(submitted_by_id=user.pk)) if action == VIEW else None


def _network_rule(field):
    def rule(user, a, action):
        if action == VIEW and a.role != Role.VILLAGER:
            return within(field, a.region_id)
        if action in (CHANGE, MANAGE):
            if is_justice(a):
                return within(field, a.region_id)
            if a.role == Role.VILLAGE_STAFF:
                return Q(**{field: a.region_id})
        return None

    return rule


def _article_rule(user, a, action):
    if action in (CHANGE, MANAGE) and is_justice(a):
        return Q(region_code__startswith=a.region_id)
    return None


def register_policies() -> None:
    from .models import (
        AdviserProfile,
        Article,
        Committee,
        Consultation,
        LegalUnderstandingPerson,
        ServicePoint,
    )

    register(Consultation, Policy(rules=dict.fromkeys(SPECS, _consultation_rule), own=_consultation_own))
    register(ServicePoint, Policy(rules=dict.fromkeys(SPECS, _network_rule("region_id")),
                                  public=lambda action: Q(active=True) if action == VIEW else None))
    register(Committee, Policy(rules=dict.fromkeys(SPECS, _network_rule("region_id")),
                               public=lambda action: Q(active=True) if action == VIEW else None))
    register(LegalUnderstandingPerson, Policy(rules=dict.fromkeys(SPECS, _network_rule("village_id")),
                                              public=lambda action: Q(active=True) if action == VIEW else None))
    register(AdviserProfile, Policy(rules={},
                                    public=lambda action: Q() if action == VIEW else None,
                                    own=lambda user, action: Q(user_id=user.pk) if action in (VIEW, CHANGE) else None))
    register(Article, Policy(rules=dict.fromkeys(SPECS, _article_rule),
                             public=lambda action: Q(withdrawn=False) if action == VIEW else None))
