"""Browser tests: Playwright for Python driving Debian's headless chromium against the live server.
Screenshots are kept in artifacts/screenshots/."""

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cunwu.accounts.models import OutboxMessage
from cunwu.regions.importer import import_regions
from cunwu.web.demo import DEMO_PASSWORD, build_demo

from .helpers import PNG, texts
from .snapshots import built_once

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CUNWU_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by make test"),
    # What a browser adds (pages, scripts, focus, screenshots) is the same on either database; the services and
    # every path they take are run on PostgreSQL by the rest of the suite.
    pytest.mark.once,
]


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server runs beside Playwright's loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-sync"])
        yield instance
        instance.close()


@pytest.fixture
def demo(transactional_db):
    """The demo's people and records (built once per process, then put back as built: see conftest.built_once)."""
    def build():
        import_regions(within="220322")
        return {a.username: a for a in build_demo()}

    return dict(built_once("demo", build))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    db = "pg" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    page.screenshot(path=str(SHOTS / f"{name}-{db}.png"), full_page=True)


def new_page(browser, phone=False):
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    return browser.new_context(viewport=size, locale="zh-CN").new_page()


def sign_in_staff(browser, live_server, demo, username, phone=False):
    """A fresh browser context signed in as an official (with the TOTP step when the account has one)."""
    page = new_page(browser, phone=phone)
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    if demo[username].totp_secret:
        page.wait_for_url("**/second-factor/")
        page.get_by_label("六位验证码").fill(pyotp.TOTP(demo[username].totp_secret).now())
        page.get_by_role("button", name="确认").click()
    page.wait_for_url(live_server.url + "/")
    return page


def sign_in_villager(browser, live_server, phone_number, phone=True):
    page = new_page(browser, phone=phone)
    page.goto(live_server.url + "/accounts/villager/")
    page.get_by_label("手机号码").fill(phone_number)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/villager/code/")
    body = OutboxMessage.objects.filter(phone=phone_number).first().body
    page.get_by_label("六位验证码").fill(re.search(r"\d{6}", body).group())
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    return page


def test_villager_signs_in_by_phone_on_a_phone_sized_screen(browser, live_server, demo):
    page = new_page(browser, phone=True)
    page.goto(live_server.url + "/")
    shot(page, "01-landing-phone")
    page.get_by_role("link", name="村民登录").first.click()
    page.get_by_label("手机号码").fill("13904340000")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/villager/code/")
    body = OutboxMessage.objects.filter(phone="13904340000").first().body
    page.get_by_label("六位验证码").fill(re.search(r"\d{6}", body).group())
    shot(page, "02-villager-code")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("heading", name=re.compile("我的村"))).to_be_visible()
    assert "南杏山村" in page.content()
    shot(page, "03-villager-home")


def test_village_staff_workbench_and_registering_a_villager(browser, live_server, demo):
    page = sign_in_staff(browser, live_server, demo, "village1.staff")
    expect(page.get_by_role("heading", name=re.compile("村级工作台"))).to_be_visible()
    shot(page, "04-staff-workbench")
    page.get_by_role("link", name="登记村民").click()
    page.get_by_label("姓名").fill("郑老汉")
    page.get_by_label("手机号码").fill("13904349999")
    page.get_by_label("身份证号码").fill("220322195001011230")  # wrong check digit
    page.get_by_role("button", name="添加").click()
    expect(page.locator("#national_id-error")).to_contain_text("身份证号码校验位不正确")  # beside the field
    shot(page, "05-staff-bad-id")
    from cunwu.accounts.personal_data import id_check_char

    page.get_by_label("身份证号码").fill("22032219500101123" + id_check_char("22032219500101123"))
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_role("heading", name="郑老汉")).to_be_visible()
    assert "2203**********" in page.content()
    page.get_by_role("button", name="查看完整号码").click()
    assert page.locator("#revealed-id").inner_text().startswith("22032219500101123")
    shot(page, "06-person-revealed")


def test_county_admin_with_totp_sees_the_overview(browser, live_server, demo):
    page = sign_in_staff(browser, live_server, demo, "lishu.admin")
    expect(page.get_by_role("heading", name=re.compile("梨树县 · 概览"))).to_be_visible()
    assert "346" in page.content()  # villages and communities of the county
    shot(page, "07-county-overview")


def test_region_browser_search_and_language_switch(browser, live_server, demo):
    page = new_page(browser)
    page.goto(live_server.url + "/regions/220322/")
    expect(page.get_by_role("heading", name=re.compile("梨树县"))).to_be_visible()
    page.get_by_label(re.compile("在梨树县内按名称搜索")).fill("南杏山")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("link", name="南杏山村")).to_be_visible()
    shot(page, "08-region-search")
    page.get_by_role("link", name="南杏山村").click()
    assert "220322100201" in page.content()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Regions")).to_be_visible()
    expect(page.get_by_text("Search by name in 南杏山村")).to_be_visible()
    shot(page, "09-english")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("link", name="区划").first).to_be_visible()


def test_villager_reads_the_services_of_their_village(browser, live_server, demo):
    page = sign_in_villager(browser, live_server, "13904340000")
    page.get_by_role("link", name="村里能帮我办什么").click()
    expect(page.get_by_role("heading", name=re.compile("南杏山村能为您办什么"))).to_be_visible()
    expect(page.get_by_role("heading", name="医疗保障")).to_be_visible()
    shot(page, "10-village-services-phone")
    page.get_by_label("查找服务").fill("火箭发射")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_text("没有找到相关服务")).to_be_visible()
    page.get_by_label("查找服务").fill("低保")  # the word villagers use
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="最低生活保障申请").click()
    expect(page.get_by_role("heading", name="最低生活保障申请")).to_be_visible()
    expect(page.get_by_text("20个工作日").first).to_be_visible()
    expect(page.get_by_role("cell", name="家庭经济状况核对授权书")).to_be_visible()
    expect(page.get_by_text("村里协助办理一律免费")).to_be_visible()
    shot(page, "11-village-service-detail-phone")


def test_joint_review_admits_a_form_onto_the_village_registry(browser, live_server, demo):
    title = "农村劳动力转移就业情况季报"
    for reviewer in ("lishu.organisation", "lishu.civil_affairs"):
        page = sign_in_staff(browser, live_server, demo, reviewer)
        page.get_by_role("link", name="准入申请", exact=True).click()
        page.get_by_role("row", name=re.compile(title)).get_by_role("link").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        page.get_by_label("理由").fill("属于法定协助事项，字段精简，同意。")
        page.get_by_role("button", name="同意", exact=True).click()
        expect(page.get_by_text("审查意见已记录")).to_be_visible()
        shot(page, f"12-review-{reviewer}")
        page.context.close()
    page = sign_in_staff(browser, live_server, demo, "lishu.admin")
    page.get_by_role("link", name="准入申请", exact=True).click()
    page.get_by_role("row", name=re.compile(title)).get_by_role("link").click()
    expect(page.get_by_text("联审通过，待县级审定")).to_be_visible()
    page.get_by_role("button", name="审定列入县级清单").click()
    expect(page.get_by_text("已准入：已列入涉及各村的台账")).to_be_visible()
    shot(page, "13-admitted")
    page.context.close()
    page = sign_in_staff(browser, live_server, demo, "village1.staff")
    page.get_by_role("link", name="村级承担事项台账").click()
    expect(page.get_by_role("cell", name=title)).to_be_visible()
    expect(page.get_by_role("cell", name="秸秆禁烧宣传与巡查")).to_be_visible()
    page.get_by_label("提出要求的单位").select_option("civil_affairs")
    page.get_by_label("要求做什么").fill("要求每周报送空置房屋统计表")
    page.get_by_role("button", name="报告", exact=True).click()
    expect(page.get_by_text("已报告，督查人员将核查处理")).to_be_visible()
    shot(page, "14-village-burden")


def _act(page, action):
    return page.locator(f"form[action$='/act/{action}/']")


def test_a_case_from_online_application_to_a_good_rating(browser, live_server, demo):
    """The whole path: apply online, one-time notification, materials supplied, whistle to the township,
    a department reports in and answers, a bad rating, the callback and rectification, a good rating."""
    from cunwu.cases.models import Case

    villager = sign_in_villager(browser, live_server, "13904340000")
    villager.goto(live_server.url + "/village/220322100201/services/22-YB-001/")
    villager.get_by_role("link", name="在线申请").click()
    villager.get_by_label("联系电话").fill("13904340000")
    villager.get_by_label("参保年度").fill("2027")
    villager.locator("input[name=materials][value='居民身份证']").check()
    villager.get_by_role("button", name="提交").click()
    # A required material left unticked without a word is refused, the message beside the materials.
    materials = villager.locator("fieldset#materials")
    expect(materials.locator(".field-error")).to_contain_text("居民户口簿")
    expect(villager.locator("[data-error-summary] a[href='#materials']")).to_be_visible()
    shot(villager, "20a-case-materials-refused-phone")
    expect(villager.get_by_label("参保年度")).to_have_value("2027")  # what was typed is kept
    villager.get_by_label("还没有备齐").check()
    shot(villager, "20-case-apply-phone")
    villager.get_by_role("button", name="提交").click()
    villager.wait_for_url("**/cases/220322100201-*/?received=1")  # the confirmation page
    number = villager.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    confirmation = villager.locator(".confirmation")
    expect(confirmation.get_by_role("heading", name="您的申请已收到")).to_be_visible()
    expect(confirmation.locator(".number")).to_have_text(re.compile(r"南杏山村 \d{6}-\d+"))
    expect(villager.get_by_role("heading", name="接下来会怎样")).to_be_visible()
    shot(villager, "20b-case-received-phone")
    expect(villager.get_by_text("已收到并登记")).to_be_visible()

    staff = sign_in_staff(browser, live_server, demo, "village1.staff")
    staff.goto(live_server.url + "/cases/")
    short = Case.objects.get(number=number).short_number  # what lists show: 261203-9 with the village's name
    assert re.fullmatch(r"\d{6}-\d{1,4}", short)
    staff.get_by_role("link", name=short, exact=True).click()
    staff.get_by_text("一次性告知缺少的材料").click()
    form = _act(staff, "return")
    form.locator("input[name=missing][value='居民户口簿']").check()
    form.get_by_label("其他缺少的材料").fill("近期缴费凭证")
    form.get_by_role("button", name="告知申请人").click()
    expect(staff.get_by_text("材料不全：已一次性告知需要补充的全部材料")).to_be_visible()
    shot(staff, "21-case-returned-staff")

    villager.reload()
    expect(villager.get_by_text("还需补充的全部材料")).to_be_visible()
    form = _act(villager, "supply")
    form.locator("input[name=materials][value='居民户口簿']").check()
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "hukou.png", "mimeType": "image/png", "buffer": PNG}])
    form.get_by_role("button", name="提交").click()
    expect(villager.get_by_text("申请人已补充材料")).to_be_visible()

    staff.reload()
    staff.get_by_text("向乡镇吹哨求助").click()
    _act(staff, "escalate").get_by_label("村里为什么解决不了").fill("参保年度需县医保局核定")
    _act(staff, "escalate").get_by_role("button", name="吹哨").click()
    expect(staff.get_by_text("村里已向乡镇“吹哨”求助")).to_be_visible()

    township = sign_in_staff(browser, live_server, demo, "township1.officer")
    township.goto(live_server.url + f"/cases/{number}/")
    form = _act(township, "dispatch")
    form.get_by_label("医疗保障局").check()
    form.get_by_role("button", name="派单").click()
    expect(township.get_by_text("乡镇已派单，请县级部门报到")).to_be_visible()
    shot(township, "22-case-dispatched-township")

    department = sign_in_staff(browser, live_server, demo, "lishu.medical_insurance")
    department.goto(live_server.url + "/cases/?called=1")
    department.get_by_role("link", name=short, exact=True).click()
    _act(department, "sign_in").get_by_role("button").click()
    _act(department, "respond").get_by_label("本部门的办理情况").fill("已核定参保年度，登记完成")
    _act(department, "respond").get_by_role("button", name="发送答复").click()

    villager.reload()
    _act(villager, "rate").get_by_role("button", name="不满意", exact=True).click()
    expect(villager.get_by_text("差评整改中").first).to_be_visible()

    staff.reload()
    _act(staff, "callback").get_by_label("申请人的意见").fill("没有收到参保凭证")
    _act(staff, "callback").get_by_role("button", name="保存回访记录").click()
    department.reload()
    _act(department, "respond").get_by_label("本部门的办理情况").fill("已补寄参保凭证")
    _act(department, "respond").get_by_role("button", name="发送答复").click()

    villager.reload()
    _act(villager, "rate").get_by_role("button", name="非常满意").click()
    expect(villager.get_by_text("已办结").first).to_be_visible()
    shot(villager, "23-case-closed-timeline-phone")
    case = Case.objects.get(number=number)
    assert case.state == "closed" and case.satisfied and case.round == 2 and case.returns == 1


def test_a_certificate_requested_issued_and_verified_by_an_outsider(browser, live_server, demo):
    """A villager asks on a phone, the staff check and issue, and an office that receives the paper scans the
    QR code with a phone it has never signed in with, and sees the certificate is genuine."""
    import pypdfium2
    import zxingcpp

    villager = sign_in_villager(browser, live_server, "13904340000")
    villager.goto(live_server.url + "/certificates/village/220322100201/")
    shot(villager, "30-certificates-list-phone")
    villager.get_by_role("link", name="申请开具证明").click()
    villager.get_by_role("link", name="亲属关系证明").click()
    expect(villager.get_by_text("村级组织不应出具此证明")).to_be_visible()
    villager.get_by_role("link", name="换一种证明").click()
    villager.get_by_role("link", name="学生社会实践活动情况反馈").click()
    villager.get_by_label("用途").fill("学校要求")
    villager.get_by_label("学校").fill("梨树县第一中学")
    villager.get_by_label("活动内容与时间").fill("2026年7月在村图书室整理图书十天")
    shot(villager, "31-certificate-request-phone")
    villager.get_by_role("button", name="提交申请").click()
    expect(villager.get_by_text("申请已提交给村干部")).to_be_visible()
    request_url = villager.url

    staff = sign_in_staff(browser, live_server, demo, "village1.staff")
    staff.goto(live_server.url + "/certificates/requests/")
    staff.locator(f"a[href='{request_url.removeprefix(live_server.url)}']").click()  # the newest request
    staff.get_by_label("核对本人身份").check()
    staff.get_by_role("button", name="签发证明").click()
    expect(staff.get_by_text("请先完成并记录全部核实事项")).to_be_visible()  # one check missing: nothing issued
    staff.get_by_label("核对本人身份").check()
    staff.get_by_label("核实参加活动情况").check()
    shot(staff, "32-certificate-checks-staff")
    staff.get_by_role("button", name="签发证明").click()
    expect(staff.get_by_text("已签发").first).to_be_visible()
    shot(staff, "33-certificate-issued-staff")

    villager.goto(request_url)
    href = villager.get_by_role("link", name="打开证明（PDF）").get_attribute("href")
    data = villager.context.request.get(live_server.url + href).body()  # the villager's own session
    image = pypdfium2.PdfDocument(data)[0].render(scale=2).to_pil()
    image.save(SHOTS / "34-certificate-pdf.png")
    scanned = zxingcpp.read_barcodes(image)[0].text
    assert scanned.startswith(live_server.url + "/certificates/v/CW1.")

    outsider = new_page(browser, phone=True)  # another phone, never signed in
    outsider.goto(scanned)
    expect(outsider.get_by_role("heading", name="有效")).to_be_visible()
    assert outsider.get_by_text("2026年7月在村图书室").count() == 0  # only the minimal content
    shot(outsider, "35-certificate-verified-outsider")
    at = len(scanned) - 10  # a character inside the signature
    outsider.goto(scanned[:at] + ("A" if scanned[at] != "A" else "B") + scanned[at + 1:])
    expect(outsider.get_by_role("heading", name="签名不符")).to_be_visible()
    shot(outsider, "36-certificate-forged-outsider")


def test_a_legal_question_answered_by_the_adviser_then_found_by_the_next_villager(browser, live_server, demo):
    """A villager asks from a phone; the village's adviser answers within the limit and publishes the answer
    without names; the next villager who words the same problem differently is shown that answer first."""
    from cunwu.legal.models import Consultation

    villager = sign_in_villager(browser, live_server, "13904340000")
    villager.goto(live_server.url + "/legal/village/220322100201/ask/")
    villager.get_by_label("问题类别").select_option("family")
    villager.get_by_label("发生了什么").fill("老人去世后留下三间房，没有遗嘱，兄妹四人怎么分？出嫁的女儿有没有份？")
    shot(villager, "41-legal-ask-phone")
    villager.get_by_role("button", name="提交咨询").click()
    villager.wait_for_url("**/legal/consultations/*/")
    expect(villager.get_by_text("您的问题已交给法律顾问")).to_be_visible()
    asked = Consultation.objects.get(question__startswith="老人去世后留下三间房")
    assert asked.adviser.username == "village1.adviser" and asked.state == "open"

    adviser = sign_in_staff(browser, live_server, demo, "village1.adviser")
    adviser.goto(live_server.url + "/legal/consultations/")
    adviser.get_by_role("row").filter(has_text="老人去世后留下三间房").get_by_role("link").click()
    adviser.get_by_label("用村民听得懂的话").fill(
        "没有遗嘱的，按法定继承：配偶、子女、父母为第一顺序，同一顺序一般均等分配。出嫁的女儿和儿子继承权相同。")
    adviser.get_by_role("button", name="发送答复").click()
    expect(adviser.get_by_text("出嫁的女儿和儿子继承权相同").first).to_be_visible()
    adviser.get_by_label("答复标题").fill("父母没留遗嘱，房子兄弟姐妹怎么分")
    adviser.get_by_role("button", name="发布").click()
    expect(adviser.get_by_role("link", name="已发布到法律问答库")).to_be_visible()
    shot(adviser, "42-legal-answered-adviser")
    assert texts(phone="13904340000", purpose="legal_answered").exists()

    villager.reload()
    expect(villager.get_by_text("出嫁的女儿和儿子继承权相同")).to_be_visible()
    shot(villager, "43-legal-answer-phone")

    staff = sign_in_staff(browser, live_server, demo, "village1.staff")  # the next one comes in person
    staff.goto(live_server.url + "/legal/village/220322100201/ask/")
    staff.get_by_label("咨询人姓名").fill("王大娘")
    staff.get_by_label("发生了什么").fill("我爹没了，家里的老宅子我这个嫁出去的闺女能分到吗？")
    staff.get_by_role("button", name="提交咨询").click()
    expect(staff.get_by_role("link", name="父母没留遗嘱，房子兄弟姐妹怎么分")).to_be_visible()
    shot(staff, "44-legal-similar-staff")
    assert not Consultation.objects.filter(asker_name="王大娘").exists()  # not sent unless they still want to
    staff.get_by_role("button", name="都不是，提交我的问题").click()
    staff.wait_for_url("**/legal/consultations/*/")
    assert Consultation.objects.filter(asker_name="王大娘").count() == 1


def test_a_mediation_from_a_screening_visit_to_a_signed_agreement(browser, live_server, demo):
    """The mediator records a visit that found a dispute and accepts it; one party reads and signs online from a
    phone, the other signs on paper in front of the mediator; the agreement takes effect only with every
    signature, and the county justice bureau sees it in its figures."""
    import pypdfium2

    from cunwu.legal.models import MediationCase

    mediator = sign_in_staff(browser, live_server, demo, "village1.mediator")
    mediator.get_by_role("link", name="登记矛盾纠纷排查").click()
    mediator.get_by_label("走访户数").fill("24")
    mediator.get_by_label("发现纠纷数").fill("1")
    mediator.get_by_label("说明").fill("走访三组，发现一起土地边界纠纷")
    mediator.get_by_role("button", name="登记").click()
    expect(mediator.get_by_text("排查已登记")).to_be_visible()
    mediator.get_by_label("发现纠纷的排查").select_option(index=1)
    mediator.locator("#category").select_option("land")  # (the label "类别 *" also begins other labels)
    mediator.get_by_label("纠纷简要情况").fill("两户承包地相邻，东侧一户翻地时越过界桩约半米，双方争执。")
    applicant = mediator.locator("fieldset").nth(0)
    applicant.get_by_label("姓名").fill("赵村民")
    applicant.get_by_label("性别").select_option("F")
    applicant.get_by_label("电话").fill("13904340000")
    applicant.get_by_label("用这个手机号的账号").check()
    respondent = mediator.locator("fieldset").nth(1)
    respondent.get_by_label("姓名").fill("钱有田")
    respondent.get_by_label("性别").select_option("M")
    mediator.get_by_role("button", name="受理", exact=True).click()
    mediator.wait_for_url("**/legal/mediation/*/")
    case = MediationCase.objects.order_by("-pk").first()
    assert case.screening.found == 1 and case.category == "land"

    mediator.get_by_label("调解地点").fill("村调解室")
    mediator.get_by_label("调解经过和达成的意见").fill("双方到场，共同查看界桩位置。")
    mediator.get_by_role("button", name="保存调解记录").click()
    mediator.get_by_label("纠纷事实").fill("钱有田翻地时越过两户之间的界桩约半米。")
    mediator.get_by_label("争议事项").fill("越界耕种的土地如何恢复。")
    mediator.get_by_label("各方责任").fill("钱有田应恢复原界。")
    terms = mediator.locator("table.terms tbody tr")
    terms.nth(0).get_by_label("应当做什么").fill("钱有田恢复原界桩并退还越界土地")
    terms.nth(0).get_by_label("怎么做").fill("自行恢复")
    terms.nth(0).get_by_label("在哪天之前").fill(case.due_on.isoformat())
    mediator.get_by_role("button", name="保存协议").click()
    mediator.get_by_role("button", name="盖章：协议生效").click()
    expect(mediator.get_by_text("尚未签名").first).to_be_visible()  # refused, naming who has not signed
    assert MediationCase.objects.get(pk=case.pk).agreement.effective_at is None
    shot(mediator, "45-mediation-unsigned-mediator")

    party = sign_in_villager(browser, live_server, "13904340000")
    party.goto(live_server.url + "/legal/files/")
    party.get_by_role("link", name=case.number).click()
    party.get_by_role("button", name="我已阅读协议并签名").click()
    expect(party.get_by_text("已签名").first).to_be_visible()
    shot(party, "46-mediation-signed-phone")

    mediator.reload()
    mediator.get_by_role("button", name="登记钱有田的签名").click()
    mediator.get_by_role("button", name="调解员签名").click()
    mediator.get_by_role("button", name="盖章：协议生效").click()
    expect(mediator.get_by_text("已生效").first).to_be_visible()
    shot(mediator, "47-mediation-effective-mediator")
    case.refresh_from_db()
    assert case.state == "succeeded" and case.agreement.effective_at is not None

    href = mediator.get_by_role("link", name="调解协议书（PDF）").get_attribute("href")
    data = mediator.context.request.get(live_server.url + href).body()
    pypdfium2.PdfDocument(data)[0].render(scale=1.5).to_pil().save(SHOTS / "48-mediation-agreement-signed.png")
    assert "钱有田" in pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()

    bureau = sign_in_staff(browser, live_server, demo, "lishu.justice")
    bureau.goto(live_server.url + "/legal/figures/?region=220322")
    expect(bureau.locator("figure.chart meter").first).to_be_visible()  # the agreement just signed is counted
    shot(bureau, "49-legal-figures-bureau")


def test_a_notice_published_and_corrected_and_a_warning_acknowledged(browser, live_server, demo, huey_immediate):
    """Village staff publish a notice and correct it (the first version stays, superseded); the township issues a
    warning to the whole township; a villager's phone shows it at once; the staff acknowledge it and the
    township's page counts it in place, with a button to pause the updates."""
    from cunwu.notices.models import Notice, Warning

    staff = sign_in_staff(browser, live_server, demo, "village1.staff")
    staff.get_by_role("link", name="发布公开内容").click()
    staff.get_by_label("类别").select_option("decisions")
    staff.get_by_label("标题").fill("关于村西排水沟改造的决定")
    staff.get_by_label("正文").fill("经村民代表会议表决（到会32人，同意29人），决定改造村西排水沟，预算 58,000 元。<b>即日公示</b>")
    staff.get_by_role("button", name="发布").click()
    staff.get_by_role("link", name="发布更正").click()
    staff.get_by_label("更正了什么").fill("同意人数应为30人")
    staff.get_by_label("正文").fill("经村民代表会议表决（到会32人，同意30人），决定改造村西排水沟，预算 58,000 元。")
    staff.get_by_role("button", name="发布更正").click()
    expect(staff.get_by_text("同意人数应为30人").first).to_be_visible()
    shot(staff, "50-notice-corrected-staff")
    first = Notice.objects.get(title="关于村西排水沟改造的决定", version=1)
    assert first.superseded_at is not None and "同意29人" in first.body

    township = sign_in_staff(browser, live_server, demo, "township1.officer")
    township.goto(live_server.url + "/warnings/new/")
    township.get_by_label("类型").select_option("rainstorm")
    township.get_by_label("红色").check()
    township.get_by_label("标题").fill("暴雨红色预警")
    township.get_by_label("预警内容").fill("未来3小时将有特大暴雨，请立即转移河道两侧和低洼地区群众。")
    township.locator("input[name=area]").first.check()  # the whole township
    shot(township, "51-warning-issue-township")
    township.get_by_role("button", name="发布预警").click()
    expect(township.get_by_text("已向2个村的村干部发送短信")).to_be_visible()
    warning = Warning.objects.get(title="暴雨红色预警")
    expect(township.get_by_text(f"0 / {warning.villages}")).to_be_visible()
    assert warning.villages > 10
    texted = texts(purpose="work", body__contains="暴雨红色预警")
    assert sorted(texted.values_list("phone", flat=True)) == ["13904350001", "13904350002"]
    expect(township.get_by_text("已向2个村的村干部发送短信")).to_be_visible()  # the other villages have no staff here

    villager = new_page(browser, phone=True)  # anyone's phone, not signed in
    villager.goto(live_server.url + "/village/220322100201/")
    expect(villager.get_by_role("alert").filter(has_text="暴雨红色预警")).to_be_visible()
    shot(villager, "52-warning-on-village-page-phone")
    terminal = new_page(browser)  # the village's self-service terminal shows it too
    terminal.goto(live_server.url + "/terminal/220322100201/")
    expect(terminal.get_by_role("alert").filter(has_text="暴雨红色预警")).to_be_visible()
    villager.get_by_role("link", name="村务公开").first.click()
    villager.get_by_role("link", name="关于村西排水沟改造的决定").click()
    expect(villager.get_by_text("同意30人")).to_be_visible()
    villager.get_by_role("link", name="关于村西排水沟改造的决定").last.click()  # the first version, kept
    expect(villager.get_by_text("被更正")).to_be_visible()
    expect(villager.get_by_text("同意29人")).to_be_visible()
    shot(villager, "53-notice-superseded-phone")

    township.clock.install()  # the page's timers on the test's clock
    township.reload()
    expect(township.get_by_role("button", name="暂停更新")).to_be_visible()
    staff.goto(live_server.url + "/")
    staff.get_by_role("link", name="应急预警").click()
    staff.get_by_role("link", name="暴雨红色预警").click()
    staff.get_by_role("button", name="已收到并落实").click()
    expect(staff.get_by_text("已签收").first).to_be_visible()
    township.clock.run_for(16_000)  # the figures update in place, the page is not reloaded (no meta refresh)
    expect(township.get_by_text(f"1 / {warning.villages}")).to_be_visible()
    assert township.locator('meta[http-equiv="refresh"]').count() == 0
    shot(township, "54-warning-acknowledgements-township")


VILLAGER_PAGES = ["/", "/village/220322100201/", "/village/220322100201/services/",
                  "/village/220322100201/services/22-YB-001/", "/notices/village/220322100201/",
                  "/notices/village/220322100201/archive/", "/legal/village/220322100201/",
                  "/certificates/village/220322100201/", "/accounts/villager/", "/terminal/220322100201/",
                  "/terminal/220322100201/services/22-YB-001/"]


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]})  # (no details of passes)
    return [f"{page.url} {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_villager_pages_meet_wcag_aa_in_both_modes_and_elder_mode_reads_aloud(browser, live_server, demo):
    """axe-core (WCAG 2.1 A and AA rules) finds no serious or critical violation on the villager pages, signed
    out and signed in, in the standard view and in elder mode; elder mode reads the page aloud with the server's
    Mandarin voice."""
    found = []
    visitor = new_page(browser, phone=True)
    for path in VILLAGER_PAGES:
        visitor.goto(live_server.url + path)
        found += _serious_violations(visitor)
    villager = sign_in_villager(browser, live_server, "13904340000")
    for path in ["/", "/cases/", "/cases/new/?village=220322100201", "/legal/village/220322100201/ask/"]:
        villager.goto(live_server.url + path)
        found += _serious_violations(villager)
    villager.goto(live_server.url + "/village/220322100201/")
    villager.get_by_role("button", name="长辈模式").click()
    assert villager.locator("body.elder").count() == 1
    size = villager.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20  # larger type
    for path in VILLAGER_PAGES[:5]:
        villager.goto(live_server.url + path)
        found += _serious_violations(villager)
    assert not found, "\n".join(found)
    villager.goto(live_server.url + "/village/220322100201/")
    shot(villager, "55-elder-mode-village-phone")
    refused = []
    villager.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    with villager.expect_response("**/speech/") as spoken:
        villager.get_by_role("button", name="朗读本页").click()
    response = spoken.value
    if shutil.which("espeak-ng"):  # installed by make test; elsewhere the page falls back to the browser's voice
        assert response.status == 200 and response.headers["content-type"] == "audio/wav"
        # The first clip plays under the page's real content security policy, a clip of a few hundred kilobytes.
        villager.wait_for_selector("body[data-audio-playing]", state="attached", timeout=15_000)
        assert villager.evaluate("document.body.dataset.speaking") == "server"
        assert 20_000 < int(villager.locator("body").get_attribute("data-audio-bytes")) < 2_000_000
        assert "media-src 'self' blob:" in villager.evaluate(
            "fetch(location.href).then(r => r.headers.get('content-security-policy'))")
        assert not refused, refused
        villager.get_by_role("button", name="停止").click()
        assert villager.evaluate("document.body.dataset.speaking") is None
    villager.get_by_role("button", name="标准模式").click()
    assert villager.locator("body.elder").count() == 0


def _decode_qr(png: bytes) -> str:
    import io

    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code found"
    return found[0].text


def test_terminal_step_by_step_with_receipt_and_idle_wipe(browser, live_server, demo, settings):
    """Staff make a browser the village's terminal; a villager signs in with a phone code, applies step by step,
    gets a printed receipt whose QR code leads to the case; left alone, the terminal warns, signs out and clears
    itself, and the next person finds nothing of the last (not even with the back button)."""
    import pypdfium2

    from cunwu.cases.models import Case

    settings.CUNWU = {**settings.CUNWU, "TERMINAL_IDLE_SECONDS": 10}
    staff = sign_in_staff(browser, live_server, demo, "village1.staff")
    staff.goto(live_server.url + "/terminal/220322100201/set-up/")
    staff.get_by_role("button", name="设为本村自助终端").click()
    kiosk = staff  # the same browser, now the village's terminal, with nobody signed in
    expect(kiosk.get_by_role("link", name="用手机号登录")).to_be_visible()
    assert kiosk.locator("body.terminal").count() == 1
    shot(kiosk, "56-terminal-home")

    kiosk.goto(live_server.url + "/terminal/220322100201/services/22-YB-001/")
    expect(kiosk.get_by_text("需要准备这些材料")).to_be_visible()
    shot(kiosk, "57-terminal-step-1")
    kiosk.get_by_role("link", name="下一步：填写").click()
    kiosk.get_by_label("手机号码").fill("13904340000")
    kiosk.get_by_role("button", name="获取验证码").click()
    expect(kiosk.get_by_label("六位验证码")).to_be_visible()
    body = OutboxMessage.objects.filter(phone="13904340000").order_by("-pk").first().body
    kiosk.get_by_label("六位验证码").fill(re.search(r"\d{6}", body).group())
    kiosk.get_by_role("button", name="登录").click()
    kiosk.wait_for_url("**/cases/new/**")
    # One question per screen, with the step count; the submit button comes with the last one.
    expect(kiosk.get_by_text("第1题，共3题")).to_be_visible()
    expect(kiosk.get_by_role("button", name="提交")).to_be_hidden()
    assert kiosk.locator("input[type=file]").count() == 0  # no file field on the terminal
    kiosk.get_by_label("联系电话").fill("13904340000")
    shot(kiosk, "57b-terminal-one-question")
    kiosk.get_by_role("button", name="下一题").click()
    expect(kiosk.get_by_text("第2题，共3题")).to_be_visible()
    expect(kiosk.get_by_label("联系电话")).to_be_hidden()
    kiosk.get_by_label("参保年度").fill(str(timezone.localdate().year + 1))
    kiosk.get_by_role("button", name="下一题").click()
    expect(kiosk.get_by_text("第3题，共3题")).to_be_visible()
    box = kiosk.locator("input[name=materials][value='居民身份证']")
    assert box.bounding_box()["width"] >= 28  # large controls throughout
    box.check()
    kiosk.get_by_label("还没有备齐").check()
    shot(kiosk, "57c-terminal-last-question")
    kiosk.get_by_role("button", name="提交").click()
    kiosk.wait_for_url("**/receipt/")
    number = kiosk.locator("[data-case-number]").inner_text().strip()
    case = Case.objects.get(number=number)
    assert kiosk.locator(".receipt .number").inner_text().strip() == f"{case.village.name} {case.short_number}"
    assert case.channel == "terminal"
    shot(kiosk, "58-terminal-receipt")
    kiosk.emulate_media(media="print")
    printed = pypdfium2.PdfDocument(kiosk.pdf(format="A5"))[0].render(scale=3).to_pil()
    printed.save(SHOTS / "58-terminal-receipt-printed.png")
    kiosk.emulate_media(media="screen")
    import io

    buffer = io.BytesIO()
    printed.save(buffer, format="PNG")
    followed = _decode_qr(buffer.getvalue())
    assert followed == f"{live_server.url}/accounts/villager/?next=%2Fcases%2F{number}%2F"
    phone = new_page(browser, phone=True)  # the villager's own phone, later: their sign-in, then their case
    from cunwu.accounts.models import OneTimeCode

    OneTimeCode.objects.filter(phone="13904340000").update(created_at=timezone.now() - dt.timedelta(minutes=5))
    phone.goto(followed)
    phone.get_by_label("手机号码").fill("13904340000")
    phone.get_by_role("button", name="获取验证码").click()
    phone.wait_for_url("**/villager/code/")
    code = OutboxMessage.objects.filter(phone="13904340000").order_by("-pk").first().body
    phone.get_by_label("六位验证码").fill(re.search(r"\d{6}", code).group())
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"**/cases/{number}/")
    shot(phone, "58-receipt-qr-followed-phone")

    kiosk.goto(live_server.url + "/legal/village/220322100201/ask/")
    kiosk.get_by_label("发生了什么").fill("我家的私事，不想让下一个人看到")
    kiosk.locator("#idle-warning").wait_for(state="visible", timeout=20_000)
    shot(kiosk, "59-terminal-idle-warning")
    kiosk.wait_for_url("**/terminal/220322100201/?wiped=1", timeout=20_000)
    expect(kiosk.get_by_text("上一位的办理已结束，屏幕已清空")).to_be_visible()
    expect(kiosk.get_by_role("link", name="用手机号登录")).to_be_visible()  # nobody is signed in
    shot(kiosk, "60-terminal-wiped")
    kiosk.go_back()
    assert "我家的私事" not in kiosk.content()
    kiosk.goto(live_server.url + f"/cases/{number}/receipt/")  # the sign-in, with the way back to it only
    assert kiosk.locator(".receipt").count() == 0 and "/accounts/" in kiosk.url


def test_a_form_sent_while_the_network_is_down_is_sent_once_when_it_returns(browser, live_server, demo):
    from cunwu.cases.models import Case

    villager = sign_in_villager(browser, live_server, "13904340000")
    villager.goto(live_server.url + "/cases/new/?village=220322100201&item=22-YB-001")
    villager.get_by_label("联系电话").fill("13904340000")
    villager.get_by_label("参保年度").fill(str(timezone.localdate().year + 1))
    villager.locator("input[name=materials][value='居民身份证']").check()
    villager.get_by_label("还没有备齐").check()
    before = Case.objects.count()
    villager.context.set_offline(True)
    villager.get_by_role("button", name="提交").click()
    expect(villager.get_by_role("status").filter(has_text="网络断了")).to_be_visible()
    shot(villager, "61-offline-kept-phone")
    assert Case.objects.count() == before
    villager.context.set_offline(False)
    villager.wait_for_url("**/cases/220322100201-*/?received=1", timeout=30_000)
    assert Case.objects.count() == before + 1
    villager.reload()  # the draft is gone: nothing is sent again
    villager.goto(live_server.url + "/cases/")
    assert Case.objects.count() == before + 1


def test_work_finds_its_people_from_the_inbox(browser, live_server, demo):
    """The township officer reaches the waiting whistle from the inbox in one click; the department officer sees
    the call and its countdown; the legal adviser reaches a new question from the inbox."""
    from cunwu.accounts.models import User
    from cunwu.audit.context import Actor
    from cunwu.cases import services as cases
    from cunwu.cases.models import Case
    from cunwu.legal import services as legal

    def acting(username):
        return Actor(user=User.objects.get(username=username), channel="web", source="127.0.0.1")

    villager = Actor(user=User.objects.get(phone="13904340000"), channel="web", source="127.0.0.1")
    case = cases.submit(villager, cases.CaseInput(village="220322100201", kind="demand", title="河堤出现裂缝",
                                                  description="三组河堤有一条两米长的裂缝"))[0]
    cases.escalate(acting("village1.staff"), case.number, "需要农业农村部门查看")
    legal.ask(villager, legal.ConsultationInput("220322100201", "儿子在外打工被拖欠三个月工资，老板不给，怎么办？"))

    township = sign_in_staff(browser, live_server, demo, "township1.officer")
    whistles = township.locator("#inbox-whistle")
    waiting = int(whistles.locator(".count").inner_text())
    assert waiting == Case.objects.filter(township_code="220322100", stage="township",
                                          state__in=["handling", "rectifying"]).count() >= 1
    shot(township, "60-inbox-township")
    whistles.get_by_role("link", name=re.compile("河堤出现裂缝")).click()
    township.wait_for_url(f"**/cases/{case.number}/")
    form = _act(township, "dispatch")
    form.get_by_label("农业农村局").check()
    form.get_by_role("button", name="派单").click()
    expect(township.get_by_text("乡镇已派单，请县级部门报到")).to_be_visible()

    department = sign_in_staff(browser, live_server, demo, "lishu.agriculture")
    calls = department.locator("#inbox-calls")
    expect(calls.get_by_role("link", name="河堤出现裂缝")).to_be_visible()
    assert calls.locator(".left").first.inner_text().startswith(("剩", "已超时"))
    from cunwu.notify.models import Notification

    unread = Notification.objects.filter(recipient__username="lishu.agriculture", read_at__isnull=True)
    assert unread.filter(kind="dispatch_called", link__contains=case.number).exists(), "the call is a notification"
    assert department.locator(".badge").inner_text() == str(unread.count())
    shot(department, "61-inbox-department-call")
    department.get_by_role("link", name="通知").first.click()
    expect(department.get_by_text("报到通知").first).to_be_visible()
    shot(department, "62-notifications-department")

    adviser = sign_in_staff(browser, live_server, demo, "village1.adviser")
    questions = adviser.locator("#inbox-questions")
    questions.get_by_role("link", name=re.compile("拖欠三个月工资")).click()
    adviser.wait_for_url("**/legal/consultations/*/")
    expect(adviser.get_by_role("button", name="发送答复")).to_be_visible()
    shot(adviser, "63-inbox-adviser-question")


def test_the_county_command_view_drills_down_to_a_village(browser, live_server, demo):
    admin = sign_in_staff(browser, live_server, demo, "lishu.admin")
    admin.get_by_role("link", name="指挥调度").click()
    expect(admin.get_by_role("heading", name="梨树县 · 指挥调度")).to_be_visible()
    assert admin.locator("svg polyline").count() >= 1
    shot(admin, "64-command-view-county")
    admin.get_by_role("link", name="梨树镇").first.click()
    expect(admin.get_by_role("heading", name="梨树镇 · 指挥调度")).to_be_visible()
    admin.get_by_role("link", name="南杏山村").first.click()
    admin.wait_for_url("**/cases/?village=220322100201")
    public = new_page(browser, phone=True)
    public.goto(live_server.url + "/village/220322100201/")
    public.get_by_role("link", name="本村诉求办理情况").click()
    expect(public.get_by_role("heading", name="南杏山村 · 三率与满意度")).to_be_visible()
    shot(public, "65-public-rates-village-phone")


def test_a_grid_worker_records_visits_offline_and_a_need_becomes_a_prefilled_request(browser, live_server, demo):
    """On a phone: the visits due reach the grid worker's inbox; two visits recorded without network wait on the
    phone and arrive once each when it returns; a need found on a visit becomes a request in one tap, with the
    person's details taken from the record and the request linked to the visit."""
    from cunwu.cases.models import Case
    from cunwu.households.models import Visit

    page = sign_in_staff(browser, live_server, demo, "village1.grid", phone=True)
    visits = page.locator("#inbox-visits")
    assert int(visits.locator(".count").inner_text()) >= 2
    shot(page, "70-inbox-grid-worker-phone")
    page.goto(live_server.url + "/households/visits/")
    rows = page.locator("ul.visits > li")
    before = Visit.objects.count()
    page.context.set_offline(True)
    for name in ("孙玉珍", "马秀云"):
        row = rows.filter(has_text=name)
        row.locator("summary").click()
        row.get_by_label("电话").check()
        row.get_by_role("button", name="登记走访").click()
        expect(row.get_by_role("status").filter(has_text="网络断了")).to_be_visible()
    shot(page, "71-visits-kept-offline-phone")
    assert Visit.objects.count() == before
    page.context.set_offline(False)
    page.locator("[data-sent-status]").filter(has_text="已发送保存的走访 2 条").wait_for(timeout=30_000)
    assert Visit.objects.count() == before + 2
    assert set(Visit.objects.order_by("-id")[:2].values_list("resident__name", "mode")) == {
        ("孙玉珍", "phone"), ("马秀云", "phone")}
    page.reload()
    page.wait_for_timeout(1000)
    assert Visit.objects.count() == before + 2  # nothing is sent again

    page.goto(live_server.url + "/households/visits/?show=all")
    row = page.locator("ul.visits > li").filter(has_text="郭建业")
    row.locator("summary").click()
    row.get_by_label("上门").check()
    row.get_by_label("需要帮助", exact=True).check()
    row.get_by_role("textbox").fill("院墙被大风刮倒，需要帮忙修补")
    row.get_by_role("button", name="登记走访").click()
    page.wait_for_url("**/households/visits/*/")
    shot(page, "72-visit-with-a-need-phone")
    page.get_by_role("link", name="转为向村里提出的诉求").click()
    page.wait_for_url("**/cases/new/**")
    assert page.get_by_label("姓名", exact=True).input_value() == "郭建业"
    assert page.get_by_label("手机号码（接收进度通知）").input_value() == "13904346103"
    assert page.locator("#title").input_value() == "院墙被大风刮倒，需要帮忙修补"
    expect(page.locator("[data-taken]")).to_be_visible()
    shot(page, "73-request-prefilled-from-the-record-phone")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt/")  # taken in on the villager's behalf: they leave with a receipt
    shot(page, "74-counter-receipt-phone")
    case = Case.objects.order_by("-id").first()
    assert case.visit.needs == "院墙被大风刮倒，需要帮忙修补" and case.resident.name == "郭建业"
    assert case.applicant_name == "郭建业" and case.proxy_staff.username == "village1.grid"


def test_a_sign_in_shows_it_is_working_and_a_refusal_takes_the_focus(browser, live_server, demo):
    """While the sign-in is sent its button says it is busy (and a second press sends nothing more); when it is
    refused the error summary takes the focus, so a screen reader reads it first."""
    page = new_page(browser)
    page.goto(live_server.url + "/accounts/sign-in/")
    page.evaluate("""document.addEventListener('submit', e => setTimeout(() => sessionStorage.setItem('busy',
        (e.submitter || document.querySelector('button[type=submit]')).getAttribute('aria-busy')), 0))""")
    page.get_by_label("用户名").fill("village1.staff")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('busy')") == "true"
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    shot(page, "03-sign-in-refused")


def _beside(page, name: str, words: str) -> None:
    """The message sits beside its field, which points to it, and the summary links to the field."""
    expect(page.locator(f"#{name}-error")).to_contain_text(words)
    expect(page.locator(f"#{name}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"[data-error-summary] a[href='#{name}']")).to_be_visible()


def test_each_form_refuses_bad_input_with_the_message_beside_the_field(browser, live_server, demo):
    """Values the browser lets through but the server must refuse, on the forms villagers and staff use most."""
    villager = new_page(browser, phone=True)
    villager.goto(live_server.url + "/accounts/villager/")
    villager.get_by_label("手机号码").fill("12345")
    villager.get_by_role("button", name="获取验证码").click()
    _beside(villager, "phone", "11位手机号码")
    shot(villager, "04-villager-phone-refused-phone")

    staff = sign_in_staff(browser, live_server, demo, "village1.staff")
    staff.goto(live_server.url + "/cases/new/?village=220322100201")
    staff.get_by_label("是什么问题").fill("三组路灯不亮")
    staff.get_by_label("手机号码（接收进度通知）").fill("abc<script>")
    staff.get_by_label("村民同意代办").fill("当面同意")
    staff.get_by_role("button", name="提交").click()
    _beside(staff, "applicant_phone", "11位手机号码")
    expect(staff.get_by_label("是什么问题")).to_have_value("三组路灯不亮")
    shot(staff, "24-intake-refused")

    staff.goto(live_server.url + "/certificates/village/220322100201/request/?type=party_residence")
    staff.get_by_label("证明对象（姓名）").fill("王某")
    staff.locator("#v_residence_since").fill("3000")
    staff.locator("#v_conduct").fill("良好")
    staff.get_by_role("button", name="提交申请").click()
    _beside(staff, "v_residence_since", "1900")
    shot(staff, "35-certificate-year-refused")

    staff.goto(live_server.url + "/legal/village/220322100201/ask/")
    staff.get_by_label("咨询人姓名").fill("王大娘")
    staff.get_by_label("发生了什么").fill("房" * 4001)
    staff.get_by_role("button", name="提交咨询").click()
    _beside(staff, "question", "4000")


def test_a_villager_says_where_with_the_phones_location(browser, live_server, demo):
    from cunwu.cases.models import Case

    page = sign_in_villager(browser, live_server, "13904340000")
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 43.161234, "longitude": 124.350987})
    page.goto(live_server.url + "/cases/new/?village=220322100201")
    page.get_by_label("是什么问题").fill("桥头护栏断了")
    page.get_by_label("地点（选填）").fill("三组东头的小桥")
    page.get_by_role("button", name="使用本机位置").click()
    expect(page.locator("#located")).to_contain_text("43.16123, 124.35099")
    shot(page, "44-intake-location")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("三组东头的小桥")).to_be_visible()  # on the case, once received
    case = Case.objects.filter(title="桥头护栏断了").get()
    assert (str(case.latitude), str(case.longitude), case.place) == ("43.161234", "124.350987", "三组东头的小桥")
