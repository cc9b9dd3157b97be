"""Demo data for Lishu County, Jilin (220322): staff, officers, departments, a county admin, a supervisor,
and villagers. Used by `cunwu demo` (run once by `make run`) and by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cunwu.accounts import services
from cunwu.accounts.models import User
from cunwu.accounts.personal_data import id_check_char
from cunwu.audit.context import Actor
from cunwu.regions.models import Region
from cunwu.regions.services import import_division_codes

COUNTY = "220322"
DEMO_PASSWORD = "Lishu-demo-2026"
DEPARTMENTS = ["civil_affairs", "justice", "human_resources", "medical_insurance", "agriculture", "public_security"]


@dataclass
class DemoAccount:
    username: str
    role: str
    region: str
    how: str  # how to sign in
    totp_secret: str = ""


def demo_id_number(birth: str, serial: int) -> str:
    first17 = f"{COUNTY}{birth}{serial:03d}"
    return first17 + id_check_char(first17)


def build_demo(password: str = DEMO_PASSWORD, totp: bool = True) -> list[DemoAccount]:
    actor = Actor.console()
    if not Region.objects.filter(code=COUNTY).exists():
        import_division_codes(actor, within=COUNTY)
    county = Region.objects.get(code=COUNTY)
    # Two towns (镇), not the urban sub-districts that come first in a county's codes.
    townships = list(Region.objects.filter(parent=county, active=True, name__endswith="镇").order_by("code")[:2])
    villages = []
    for township in townships:
        villages += list(Region.objects.filter(parent=township, active=True, is_rural=True).order_by("code")[:2])
    accounts: list[DemoAccount] = []

    def official(username, name, role, region, department=None):
        services.create_user(actor, services.PersonInput(username, name, "", "", password), role, region.code, department)
        accounts.append(DemoAccount(username, role, region.code, f"{username} / {password}"))

    with transaction.atomic():
        official("lishu.admin", "梨树县管理员", "county_admin", county)
        official("lishu.supervisor", "梨树县督查员", "supervisor", county)
        official("lishu.auditor", "梨树县审计员", "auditor", county)
        for kind in DEPARTMENTS:
            official(f"lishu.{kind}", f"梨树县{kind}", "department_officer", county, kind)
        for index, township in enumerate(townships, start=1):
            official(f"township{index}.officer", f"{township.name}干部", "township_officer", township)
        staff_names = ["张建国", "王秀兰", "李春生", "刘玉梅"]
        for index, village in enumerate(villages, start=1):
            official(f"village{index}.staff", staff_names[index - 1], "village_staff", village)
        official("village1.grid", "赵志强", "grid_worker", villages[0])
        official("village1.adviser", "孙律师", "legal_adviser", villages[0])
        official("village1.mediator", "周调解", "mediator", villages[0])
        villager_names = ["陈大爷", "杨大娘", "黄小军", "吴桂芝", "徐德福"]
        for index, name in enumerate(villager_names):
            village = villages[index % len(villages)]
            phone = f"1390434{index:04d}"
            services.create_user(
                actor, services.PersonInput("", name, phone, demo_id_number(f"19{50 + index * 5}0{index + 1}1{index}", index + 11)),
                "villager", village.code,
            )
            accounts.append(DemoAccount(phone, "villager", village.code, f"phone {phone} + code"))
        if totp:
            for account in accounts:
                if account.role in ("county_admin", "supervisor", "auditor", "department_officer"):
                    person = User.objects.get(username=account.username)
                    account.totp_secret = services.assign_totp_secret(actor, person)
    return accounts


def demo_exists() -> bool:
    return User.objects.filter(username="lishu.admin").exists()
