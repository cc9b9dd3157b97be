"""Demo data for Lishu County, Jilin (220322): staff, officers, departments, a county admin, a supervisor,
and villagers. Used by `cunwu demo` (run once by `make run`) and by the browser tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cunwu.accounts import services
from cunwu.accounts.departments import CHINESE_NAMES
from cunwu.accounts.models import User
from cunwu.accounts.personal_data import id_check_char
from cunwu.audit.context import Actor
from cunwu.regions.models import Region
from cunwu.regions.services import import_division_codes

COUNTY = "220322"
DEMO_PASSWORD = "Lishu-demo-2026"
DEPARTMENTS = ["civil_affairs", "justice", "human_resources", "medical_insurance", "agriculture", "public_security",
               "organisation", "rural_work"]


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

    def official(username, name, role, region, department=None, phone=""):
        services.create_user(actor, services.PersonInput(username, name, phone, "", password), role, region.code,
                             department)
        accounts.append(DemoAccount(username, role, region.code, f"{username} / {password}"))

    with transaction.atomic():
        official("lishu.admin", "梨树县管理员", "county_admin", county)
        official("lishu.supervisor", "梨树县督查员", "supervisor", county)
        official("lishu.auditor", "梨树县审计员", "auditor", county)
        for kind in DEPARTMENTS:
            official(f"lishu.{kind}", f"{CHINESE_NAMES[kind]}干部", "department_officer", county, kind)
        for index, township in enumerate(townships, start=1):
            official(f"township{index}.officer", f"{township.name}干部", "township_officer", township)
        staff_names = ["张建国", "王秀兰", "李春生", "刘玉梅"]
        for index, village in enumerate(villages, start=1):
            official(f"village{index}.staff", staff_names[index - 1], "village_staff", village,
                     phone=f"1390435000{index}")
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
        _demo_directory_and_burden(actor, villages)
        if totp:
            for account in accounts:
                if account.role in ("county_admin", "supervisor", "auditor", "department_officer"):
                    person = User.objects.get(username=account.username)
                    account.totp_secret = services.assign_totp_secret(actor, person)
    return accounts


def _demo_directory_and_burden(actor: Actor, villages: list[Region]) -> None:
    """Jilin's directories (province, Siping, Lishu), and admission requests in each state for Lishu."""
    from cunwu.burden import services as burden
    from cunwu.directory.seed import seed_jilin

    seed_jilin(actor)

    def as_user(username: str) -> Actor:
        return Actor.console(User.objects.get(username=username))

    admitted = burden.file_request(as_user("lishu.agriculture"), burden.RequestInput(
        kind="work_item", title="秸秆禁烧宣传与巡查", frequency="monthly",
        description="每年春秋两季在村内宣传秸秆禁烧政策，每月巡查一次并报告火点。",
        legal_basis="《中华人民共和国大气污染防治法》第七十七条", funding_yuan="3000",
        funding_source="县财政秸秆综合利用专项资金", working_conditions="县农业农村局提供宣传材料和巡查补贴"))
    for kind in ("organisation", "rural_work", "civil_affairs"):
        burden.review(as_user(f"lishu.{kind}"), admitted.pk, "approve", "有法律依据，经费随事转，同意准入。")
    burden.decide(as_user("lishu.admin"), admitted.pk, True, "列入县级村级工作事项清单。")
    pending = burden.file_request(as_user("lishu.human_resources"), burden.RequestInput(
        kind="form", title="农村劳动力转移就业情况季报", frequency="quarterly",
        description="每季度填报本村外出务工人员数量、去向和收入情况。",
        legal_basis="《中华人民共和国就业促进法》第十一条", form_fields=["外出务工人数", "主要去向", "人均月收入"]))
    burden.review(as_user("lishu.rural_work"), pending.pk, "approve", "与村级组织职责相关，同意。")
    burden.file_request(as_user("lishu.agriculture"), burden.RequestInput(
        kind="work_item", title="村内企业安全生产检查", frequency="monthly",
        description="由村委会负责对本村小作坊开展安全生产检查。", legal_basis="", funding_yuan="0"))
    for kind, title, basis in (
            ("perform", "召集村民会议、村民代表会议，执行会议的决定", "《中华人民共和国村民委员会组织法》第二十一条、第二十六条"),
            ("perform", "村务公开和村务监督", "《中华人民共和国村民委员会组织法》第三十条、第三十二条"),
            ("assist", "协助做好兵役登记和征兵工作", "《中华人民共和国兵役法》"),
            ("assist", "协助开展城乡居民基本医疗保险参保登记", "《中华人民共和国社会保险法》第二十五条")):
        burden.add_duty(as_user("lishu.admin"), COUNTY, kind, title, basis)
    burden.add_listed_form(actor, COUNTY, timezone.localdate().year, "城乡居民医保参保情况年报", "medical_insurance",
                           "yearly", "《中华人民共和国社会保险法》", ["应参保人数", "已参保人数"])
    burden.record_plaque(actor, villages[0].code, "村民委员会", "outside", "梨树镇党委",
                         "《中华人民共和国村民委员会组织法》")
    burden.report_demand(as_user("village1.staff"), villages[0].code, "emergency", "要求每天在工作群上传防火巡查照片",
                         anonymous=True)
    _demo_cases(as_user, villages)
    _demo_certificates(as_user, villages)
    _demo_legal(as_user, villages)
    _demo_notices(as_user, villages)
    _demo_households(as_user, villages)
    # a connected system: the county's 12345 hotline (its administrator issues it a key on its page)
    from cunwu.partners import services as partners

    partners.connect(as_user("lishu.admin"), partners.PartnerInput(
        COUNTY, "12345政务服务便民热线", "hotline", "梨树县政务服务中心 0434-5221234", 120))


def _demo_cases(as_user, villages: list[Region]) -> None:
    """Cases at each step: new, waiting for materials, at the township, with a department, rated."""
    from cunwu.cases import services as cases

    village = villages[0].code
    villager = Actor.console(User.objects.get(phone="13904340000"))
    staff = as_user("village1.staff")
    fresh = cases.submit(villager, cases.CaseInput(
        village=village, title="三组路灯不亮", description="三组东头两盏路灯坏了一个多月，晚上出行不便。",
        category="roads"))[0]
    cases.add_note(staff, fresh.number, "已联系电工，明天上午查看。")
    waiting = cases.submit(villager, cases.CaseInput(
        village=village, kind="application", item="22-YB-001", answers={"phone": "13904340000", "insured_year": "2027"},
        materials=["居民身份证"], materials_later=True))[0]
    cases.return_for_materials(staff, waiting.number, ["居民户口簿"], "户口簿首页和本人页都要。")
    rising = cases.submit(staff, cases.CaseInput(
        village=village, title="灌溉渠堵塞", description="村南灌溉渠被垃圾堵塞，春灌前需要清淤。",
        category="farming", applicant_name="黄小军", applicant_phone="13904340002", consent="本人在窗口当面同意"))[0]
    cases.escalate(staff, rising.number, "清淤需要机械和资金，村里解决不了。")
    called = cases.submit(staff, cases.CaseInput(
        village=village, title="低保待遇咨询", description="家中老人长期患病，想了解能否申请低保。",
        category="assistance", applicant_name="杨大娘", applicant_phone="13904340001", consent="电话中同意"))[0]
    cases.escalate(staff, called.number, "需要民政部门认定。")
    cases.dispatch(as_user("township1.officer"), called.number, ["civil_affairs"], note="请三日内入户核查")
    done = cases.submit(villager, cases.CaseInput(
        village=village, title="村道积水", description="雨后村口积水很深。", category="roads"))[0]
    cases.resolve(staff, done.number, "已组织村民疏通排水沟，积水已排净。")
    cases.rate(villager, done.number, 5, "处理及时")


def _demo_certificates(as_user, villages: list[Region]) -> None:
    """Certificate requests: one issued, one refused as non-issuable, one commitment, one waiting for checks."""
    from cunwu.certificates import services as certificates

    certificates.seed_types()
    village = villages[0].code
    villager = Actor.console(User.objects.get(phone="13904340000"))
    staff = as_user("village1.staff")
    issued = certificates.submit(staff, certificates.RequestInput(
        village=village, type="party_residence", purpose="县农业农村局党支部了解党员居住地表现",
        applicant_name="黄小军", values={"residence_since": "2009", "conduct": "遵纪守法，积极参加村内公益活动。"}))
    certificates.issue(staff, issued.pk, ["核对本人身份", "征求村党组织意见"])
    certificates.submit(villager, certificates.RequestInput(village=village, type="kinship", purpose="银行要求"))
    certificates.submit(villager, certificates.RequestInput(
        village=village, type="residence_commitment", purpose="孩子入学", values={"address": "三组12号", "since": "2015年"}))
    certificates.submit(villager, certificates.RequestInput(
        village=village, type="student_practice", purpose="学校暑期实践",
        values={"school": "梨树县第一中学", "activity": "2026年7月参加村图书室整理"}))


def _demo_legal(as_user, villages: list[Region]) -> None:
    """Village 1's legal services: the adviser's profile, the police officer, a mediation committee, three
    legal-understanding people, a knowledge-base answer, an open question, a legal-aid application under review and
    a mediation case with its agreement waiting for signatures; a publicity event."""
    from cunwu.legal import aid, mediation, publicity
    from cunwu.legal import services as legal
    from cunwu.legal.models import AdviserProfile, PoliceOfficer

    village = villages[0].code
    justice, mediator = as_user("lishu.justice"), as_user("village1.mediator")
    AdviserProfile.objects.create(user=User.objects.get(username="village1.adviser"), organisation="吉林梨树律师事务所",
                                  work_phone="0434-5222348", contact_hours="每周二上午在村法律服务室")
    PoliceOfficer.objects.create(village_id=village, name="郑警官", station="梨树县公安局派出所",
                                 work_phone="0434-5211110")
    committee = legal.set_committee(justice, village)
    legal.add_member(justice, committee.pk, "周调解", "M", "chair", username="village1.mediator")
    legal.add_member(justice, committee.pk, "王秀兰", "F", "vice_chair")
    legal.add_member(justice, committee.pk, "李春生", "M", "member")
    for name, sex, job in (("陈桂兰", "F", "妇联主席"), ("刘长青", "M", "村民小组长"), ("孙福", "M", "退休教师")):
        legal.add_understanding_person(justice, village, name, sex, job)
    legal.write_article(justice, COUNTY, "包工头拖欠农民工工资怎么办", "干完活老板不结工资。",
                        "可以向县人力资源和社会保障局投诉，也可以申请劳动仲裁；农民工讨薪申请法律援助不受经济困难条件限制。",
                        "labour")
    villager = Actor.console(User.objects.get(phone="13904340000"))
    legal.ask(villager, legal.ConsultationInput(village, "我家承包的地被邻居多种了两垄，该怎么办？", "land"))
    aid.apply(villager, aid.AidInput(village=village, matter="labour", no_means="migrant", rural="migrant_wages",
                                     opponent="某建筑公司", facts="在省城工地干了八个月，包工头拖欠工资两万六千元。"))
    screening = mediation.record_screening(mediator, village, visited=36, found=1, note="入户走访发现相邻通行纠纷")
    case = mediation.open_case(mediator, mediation.MediationInput(
        village=village, source="screening", category="neighbours", screening=screening.pk,
        summary="张家翻建院墙外扩约一米，占用李家出行道路，双方多次争吵。", parties=[
            mediation.PartyInput("applicant", "李桂香", "F", ethnicity="汉族", occupation="农民"),
            mediation.PartyInput("respondent", "张国富", "M", ethnicity="汉族", occupation="农民")]))
    mediation.add_session(mediator, case.pk, None, "村调解室", "双方到场陈述，调解员现场查看院墙位置。")
    due = case.due_on.isoformat()
    mediation.draft_agreement(mediator, case.pk, "张国富翻建院墙时外扩约一米，占用李桂香家出行道路。",
                              "院墙是否占用通道及恢复方式。", "张国富应恢复通道；李桂香自愿承担一半拆墙费用。",
                              [{"text": "张国富将院墙向内拆除一米，恢复通道", "how": "自行拆除", "by": due},
                               {"text": "李桂香支付拆墙费用一半计1000元", "how": "当面现金支付", "by": due}])
    publicity.record_event(as_user("village1.staff"), village, "lecture", "civil_code", "民法典进乡村",
                           "村文化广场", attendance=86)


def _demo_notices(as_user, villages: list[Region]) -> None:
    """Village 1's notice board (finances corrected once, village affairs) and a warning to the township."""
    from cunwu.notices import services as notices
    from cunwu.notices import warnings

    staff, village = as_user("village1.staff"), villages[0].code
    notices.set_office(staff, village, "0434-5201234", "周一至周五 8:30-17:00，农忙时节周末上午", "张建国（周一、三、五），赵志强（周二、四）")
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    first = notices.publish(staff, notices.NoticeInput(
        village, "finances", f"{month:%Y年%m月}村级财务收支公开",
        "一、收入：上级转移支付 86,000 元；村集体土地发包收入 42,000 元。\n二、支出：村道维修 32,000 元；"
        "办公经费 6,800 元；保洁员工资 9,600 元。\n如有疑问，请向村务监督委员会反映。"))
    notices.correct(staff, first.pk, first.title, first.body.replace("32,000", "23,000"),
                    "村道维修支出金额录入有误，应为 23,000 元")
    notices.publish(staff, notices.NoticeInput(
        village, "affairs", "关于2027年度城乡居民医保集中缴费的通知",
        "2027年度城乡居民医保个人缴费标准为每人400元，请于12月31日前到村便民服务站或通过手机缴纳。"
        "行动不便的老人可由网格员上门代办。"))
    warnings.issue(as_user("township1.officer"), warnings.WarningInput(
        "blizzard", "yellow", "暴雪黄色预警",
        "预计今晚到明天有暴雪，局地积雪深度10厘米以上。请加固大棚和畜舍，老人儿童减少外出，注意防寒取暖和一氧化碳中毒。",
        [village[:9]], timezone.now() + dt.timedelta(hours=36)))


def _demo_households(as_user, villages: list[Region]) -> None:
    """Village 1's own data: two grids, households with their people, key groups whose visits are done, due
    and missed, and a visit that found a need."""
    import datetime as dt

    from cunwu.households import services as hh

    staff, grid_worker = as_user("village1.staff"), as_user("village1.grid")
    code = villages[0].code
    east, west = hh.create_grid(staff, code, "一网格（东片）"), hh.create_grid(staff, code, "二网格（西片）")
    hh.set_grid_workers(staff, east.pk, ["village1.grid"])
    today = timezone.localdate()
    homes = [  # (group, address, grid, head, born, phone, members, labels as (who, group, days ago))
        ("一组", "东街3号", east, "陈大爷", "1950-01-11", "13904340000", [], [(0, "elderly_alone", 20)]),
        ("一组", "东街7号", east, "孙玉珍", "1942-08-15", "", [], [(0, "elderly_alone", 6)]),
        ("一组", "东街12号", east, "马国强", "1978-03-02", "13904346101",
         [("马小宇", "child", "M", "2014-05-20"), ("马秀云", "parent", "F", "1951-11-30")],
         [(1, "left_behind_child", 10), (2, "subsistence", 40)]),
        ("二组", "西街1号", west, "高德顺", "1955-07-07", "13904346102", [("高桂兰", "spouse", "F", "1957-02-14")],
         [(None, "poverty_monitoring", 25)]),
        ("二组", "西街5号", east, "郭建业", "1968-09-09", "13904346103", [], [(0, "veteran_in_difficulty", 5)]),
        ("二组", "西街8号", None, "罗翠花", "1960-04-04", "", [], []),
    ]
    for group, address, grid, head, born, phone, members, labels in homes:
        home = hh.create_household(staff, hh.HouseholdInput(code, address, group, grid=grid.pk if grid else None),
                                   hh.PersonInput(name=head, birth_date=born, phone=phone,
                                                  sex="F" if head[-1] in "珍花" else "M"))
        people = [home.members.get()]
        for name, relation, sex, birth in members:
            people.append(hh.add_member(staff, home.pk, hh.PersonInput(name=name, relation=relation, sex=sex,
                                                                       birth_date=birth)))
        for who, key_group, days_ago in labels:
            hh.add_label(staff, people[who].pk if who is not None else None, key_group,
                         (today - dt.timedelta(days=days_ago)).isoformat(), household_id=home.pk)
        hh.verify(staff, home.pk)
    chen = hh.find(staff, code, "陈大爷")[0]
    hh.record_visit(grid_worker, hh.VisitInput(chen.household_id, chen.pk, None, "phone", "needs_help",
                                               "冬天取暖的煤不够了，想申请临时救助"))
    gao = hh.find(staff, code, "高德顺")[0]
    hh.record_visit(staff, hh.VisitInput(gao.household_id, None, None, "in_person", "well"))


def demo_exists() -> bool:
    return User.objects.filter(username="lishu.admin").exists()
