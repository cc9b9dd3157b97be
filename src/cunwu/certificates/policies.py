"""Who sees and acts on certificate requests and certificates.

- The applicant sees their own requests and certificates.
- Village staff see their village's and issue and revoke them (`ISSUE`).
- Township officers see their township's (requests on major matters are reported to them).
- Administrators, supervisors and auditors see those within their region; the county administrator may revoke.
- The types, with their rules and who verifies instead, are public (each village's notice page lists them).
"""

from django.db.models import Q

from cunwu.accounts.permissions import VIEW, Policy, register, within
from cunwu.accounts.roles import ADMIN_ROLES, SPECS, Role

ISSUE, REVOKE = "issue", "revoke"
OVERSEERS = (*ADMIN_ROLES, Role.SUPERVISOR, Role.AUDITOR)


def _in_region(code: str) -> Q:
    return Q(village_id=code) if len(code) == 12 else within("village_id", code)


def _rule(user, a, action):
    role, code = a.role, a.region_id
    if action == VIEW:
        if role in (Role.VILLAGE_STAFF, Role.TOWNSHIP_OFFICER, *OVERSEERS):
            return _in_region(code)
        return None
    if action == ISSUE and role == Role.VILLAGE_STAFF:
        return Q(village_id=code)
    if action == REVOKE and (role == Role.VILLAGE_STAFF or (role == Role.COUNTY_ADMIN and len(code) == 6)):
        return _in_region(code)
    return None


def _own_request(user, action):
    return Q(applicant_id=user.pk) if action == VIEW else None


def _own_certificate(user, action):
    return Q(request__applicant_id=user.pk) if action == VIEW else None


def register_policies() -> None:
    from .models import Certificate, CertificateRequest, CertificateType

    register(CertificateType, Policy(rules={}, public=lambda action: Q() if action == VIEW else None))
    register(CertificateRequest, Policy(rules=dict.fromkeys(SPECS, _rule), own=_own_request))
    register(Certificate, Policy(rules=dict.fromkeys(SPECS, _rule), own=_own_certificate))
