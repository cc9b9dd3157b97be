"""Who sees and manages connected systems: the administrators of the county (and the city and province above
it) manage them; supervisors and auditors of the place read them; nobody else, and not the systems themselves."""

from django.db.models import Q

from cunwu.accounts.permissions import MANAGE, VIEW, Policy, register, within
from cunwu.accounts.roles import ADMIN_ROLES, Role


def _rule(user, a, action) -> Q | None:
    if a.role in ADMIN_ROLES and action in (VIEW, MANAGE):
        return within("region_id", a.region_id)
    if a.role in (Role.SUPERVISOR, Role.AUDITOR) and action == VIEW:
        return within("region_id", a.region_id)
    return None


def register_policies() -> None:
    from .models import Partner

    register(Partner, Policy(rules={role: _rule for role in (*ADMIN_ROLES, Role.SUPERVISOR, Role.AUDITOR)}))
