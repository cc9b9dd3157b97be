"""Who may see and change directories: published versions are public; drafts belong to the publishing
region's administrator and are visible to the administrators, supervisors and auditors above it."""

from django.db.models import Q

from cunwu.accounts.permissions import CHANGE, VIEW, Policy, register, within
from cunwu.accounts.roles import ADMIN_ROLES, SPECS, Role

from .choices import VersionState

OVERSEERS = (*ADMIN_ROLES, Role.SUPERVISOR, Role.AUDITOR)
PUBLIC_STATES = [VersionState.PUBLISHED, VersionState.SUPERSEDED]


def _rule(region_field: str):
    def rule(user, a, action):
        if action == VIEW and a.role in OVERSEERS:
            return within(region_field, a.region_id)
        if action == CHANGE and a.role in ADMIN_ROLES:
            return Q(**{region_field: a.region_id})
        return None

    return rule


def register_policies() -> None:
    from .models import Directory, DirectoryEntry, DirectoryVersion

    every_role = list(SPECS)
    register(Directory, Policy(rules=dict.fromkeys(every_role, _rule("region_id")),
                               public=lambda action: Q() if action == VIEW else None))
    register(DirectoryVersion, Policy(
        rules=dict.fromkeys(every_role, _rule("directory__region_id")),
        public=lambda action: Q(state__in=PUBLIC_STATES) if action == VIEW else None,
    ))
    register(DirectoryEntry, Policy(
        rules=dict.fromkeys(every_role, _rule("version__directory__region_id")),
        public=lambda action: Q(version__state__in=PUBLIC_STATES) if action == VIEW else None,
    ))
