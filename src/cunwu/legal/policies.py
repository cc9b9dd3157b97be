"""Who sees and acts on legal services.

Consultations are personal: the asker, the adviser it was given to, whoever took it in on the asker's behalf,
the county justice bureau (department officers of kind justice, who also run the 12348 hotline) and the
supervisors and auditors of the region see them. Village staff do not read their villagers' legal questions.
The network (service points, committees, legal-understanding people) is managed by the justice bureau of the
county and by the village's staff for their own village; the public sees points, advisers, committees and the names of
legal-understanding people (their phones are sealed and never shown). Published knowledge-base articles are public.

Legal-aid and mediation files are sensitive. Their content (VIEW) is for the parties, the assigned lawyer or the
case's mediators, and the justice bureau of the county. Others with a place in the village's chain (village
staff, grid workers, township officers, supervisors, auditors, the county's administrators) may only TRACK: see
that a file exists and its state, which is what statistics and the village's overview need.
"""

from django.db.models import Q

from cunwu.accounts.permissions import CHANGE, MANAGE, VIEW, Policy, register, within
from cunwu.accounts.roles import SPECS, Role

ANSWER = "answer"
TRACK = "track"  # that a file exists, and its state, without its content
SIGN = "sign"
OBJECT = "object"
REVIEWERS = (Role.SUPERVISOR, Role.AUDITOR)
TRACKERS = (Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.CITY_ADMIN,
            Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.AUDITOR)


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


def _file_rule(user, a, action):
    """Legal-aid and mediation files: content for the county's justice bureau; existence for the chain."""
    if is_justice(a):
        return within("village_id", a.region_id) if action in (VIEW, TRACK, MANAGE, CHANGE) else None
    if a.role == Role.MEDIATOR and action == TRACK:
        return within("village_id", a.region_id)
    if a.role in TRACKERS and action == TRACK:
        return within("village_id", a.region_id)
    return None


def _collaboration_rule(user, a, action):
    """Off-site collaboration: the asking county's bureau sees and manages (asks, withdraws) it; the county asked
    sees it and acts on it (answers, reports). Nobody else."""
    if not is_justice(a):
        return None
    asking, asked = within("village_id", a.region_id), within("helper_id", a.region_id)
    if action == VIEW:
        return asking | asked
    if action == MANAGE:
        return asking
    if action == CHANGE:
        return asked
    return None


def _aid_own(user, action):
    if action in (VIEW, TRACK):
        return Q(applicant_id=user.pk) | Q(lawyer_id=user.pk)
    if action == CHANGE:
        return Q(lawyer_id=user.pk)
    if action == OBJECT:
        return Q(applicant_id=user.pk)
    return None


def _mediation_own(user, action):
    from .models import MediationCase, Party

    mediating = Q(pk__in=MediationCase.mediators.through.objects.filter(user_id=user.pk).values("mediationcase_id"))
    party = Q(pk__in=Party.objects.filter(user_id=user.pk).values("case_id"))
    if action in (VIEW, TRACK):
        return mediating | party
    if action == CHANGE:
        return mediating
    if action == SIGN:
        return party
    return None


def _record_rule(field, recorders=(Role.VILLAGE_STAFF, Role.GRID_WORKER, Role.MEDIATOR, Role.TOWNSHIP_OFFICER)):
    """Screenings and publicity events: counts, not personal data. Officials of the chain read them; the justice
    bureau and the people on the ground record them."""

    def rule(user, a, action):
        if action == VIEW and a.role != Role.VILLAGER:
            return within(field, a.region_id)
        if action in (CHANGE, MANAGE) and (is_justice(a) or a.role in recorders):
            return within(field, a.region_id)
        return None

    return rule


def _police_rule(user, a, action):
    if action == VIEW and a.role != Role.VILLAGER:
        return within("village_id", a.region_id)
    if action in (CHANGE, MANAGE) and (a.role == Role.DEPARTMENT_OFFICER and getattr(
            a.department, "kind", "") == "public_security" or a.role == Role.COUNTY_ADMIN):
        return within("village_id", a.region_id)
    return None


def _demonstration_rule(user, a, action):
    if action in (CHANGE, MANAGE) and is_justice(a):
        return within("village_id", a.region_id)
    return None


def register_policies() -> None:
    from .models import (
        AdviserProfile,
        AidApplication,
        AidCollaboration,
        Article,
        Committee,
        Consultation,
        DemonstrationVillage,
        LegalUnderstandingPerson,
        MediationCase,
        PoliceOfficer,
        PublicityEvent,
        Screening,
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
    register(AidCollaboration, Policy(rules=dict.fromkeys(SPECS, _collaboration_rule)))
    register(AidApplication, Policy(rules=dict.fromkeys(SPECS, _file_rule), own=_aid_own))
    register(MediationCase, Policy(rules=dict.fromkeys(SPECS, _file_rule), own=_mediation_own))
    register(Screening, Policy(rules=dict.fromkeys(SPECS, _record_rule("village_id"))))
    register(PublicityEvent, Policy(rules=dict.fromkeys(SPECS, _record_rule("region_id")),
                                    public=lambda action: Q() if action == VIEW else None))
    register(DemonstrationVillage, Policy(rules=dict.fromkeys(SPECS, _demonstration_rule),
                                          public=lambda action: Q(revoked=False) if action == VIEW else None))
    register(PoliceOfficer, Policy(rules=dict.fromkeys(SPECS, _police_rule),
                                   public=lambda action: Q(active=True) if action == VIEW else None))
