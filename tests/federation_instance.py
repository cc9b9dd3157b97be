"""One province's instance in the federation simulation (tests/test_federation.py): run as its own process on its
own database (CUNWU_VAR_DIR), it makes the province's people and requests, or answers and rates some, then
prints its public key and its own rates of yesterday as JSON.

    python tests/federation_instance.py PROVINCE VILLAGE MADE ANSWERED

MADE requests received yesterday (0: none more), then ANSWERED of those still new answered and rated well.
"""

import datetime as dt
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings")
import django  # noqa: E402

django.setup()

from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from cunwu.accounts import services as accounts  # noqa: E402
from cunwu.accounts.models import User  # noqa: E402
from cunwu.audit.context import Actor  # noqa: E402
from cunwu.cases import rates, services  # noqa: E402
from cunwu.cases.choices import State  # noqa: E402
from cunwu.cases.models import Case  # noqa: E402
from cunwu.federation import services as federation  # noqa: E402
from cunwu.regions.models import Region  # noqa: E402


def _region(code: str, parent: str | None, level: int, name: str) -> None:
    Region.objects.get_or_create(code=code, defaults={"parent_id": parent, "level": level, "name": name,
                                                      "is_rural": True if level == 5 else None})


def _staff(village: str):
    user = User.objects.filter(username=f"staff.{village}").first()
    if user is None:
        user = accounts.create_user(Actor.console(), accounts.PersonInput(
            f"staff.{village}", "村干部", "", "", "Staff-village-2026"), "village_staff", village)
    return Actor(user=user, channel="web")


def main() -> None:
    province, village, n, answered = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if not Region.objects.filter(code=village).exists():  # a province the template does not hold
        for code, parent, level, name in ((province, None, 1, "模拟省"), (village[:4], province, 2, "模拟市"),
                                          (village[:6], village[:4], 3, "模拟县"),
                                          (village[:9], village[:6], 4, "模拟镇"), (village, village[:9], 5, "模拟村")):
            _region(code, parent, level, name)
    staff = _staff(village)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if n:
        made = [services.submit(staff, services.CaseInput(
            village=village, kind="demand", title="路灯不亮", description="村口路灯三天没亮", channel="counter",
            applicant_name=f"村民{i}", applicant_phone=f"1390434{i:04d}", consent="当面同意"))[0].pk
            for i in range(n)]
        # received yesterday: the day a province reports once it has ended
        Case.objects.filter(pk__in=made).update(created_at=F("created_at") - dt.timedelta(days=1))
        rates.rebuild_tallies()
    if answered:
        for case in Case.objects.filter(state=State.NEW, village_id=village).order_by("pk")[:answered]:
            services.take(staff, case.number)
            services.resolve(staff, case.number, "已修好")
            services.rate_for(staff, case.number, 5, "in_person")
    region = Region.objects.get(code=province)
    print(json.dumps({"key": federation.public_key(),
                      "rates": rates.region_rates(region, yesterday, yesterday).as_dict()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
