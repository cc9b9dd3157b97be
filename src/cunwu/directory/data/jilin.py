"""Jilin Province's reference directory of services villages assist with (seed data).

Items, departments and legal bases follow the national and Jilin practice for village-assisted services;
codes are this directory's own (22-<domain>-<n>), not national catalogue codes. Time limits are in working
days: `statutory` is the limit set by law or regulation where one exists (None where none is set), `promised`
what the province commits to. Village assistance is free of charge in every case.
"""

from __future__ import annotations

EFFECTIVE_FROM = "2026-01-01"
VILLAGE_PLACE = "村党群服务中心便民服务站"
VILLAGE_HOURS = "工作日 8:30-11:30，13:30-17:00"
CONSULTATION = "村便民服务站当面咨询；12345政务服务便民热线"
COMPLAINT = "12345政务服务便民热线；县政务服务中心投诉窗口"

ID_CARD = ("居民身份证", True, "either", 1)
HOUSEHOLD_BOOK = ("居民户口簿", True, "paper", 1)
BANK_CARD = ("本人社会保障卡或银行账户", True, "either", 1)
PHOTO = ("近期免冠照片", True, "either", 1)
PHONE_Q = ("phone", "联系电话", "text", True, ())
REASON_Q = ("reason", "申请事由", "text", True, ())

ALL_MODES = ["accept_forward", "proxy", "online", "terminal", "video"]
PROXY_MODES = ["accept_forward", "proxy"]


def _item(code, name, item_type, department, basis, level, statutory, promised, *, domain, modes,
          materials=(ID_CARD,), questions=(PHONE_Q,), conditions="", applicants="", kind="government_service",
          visits=0, depth=3, fee="", fee_basis="", notes="", body="", opens="", parent=""):
    return {
        "code": code, "name": name, "item_type": item_type, "department": department, "legal_basis": basis,
        "exercise_level": level, "statutory_limit_days": statutory, "promised_limit_days": promised,
        "domain": domain, "handling_modes": list(modes), "matter_kind": kind, "visits_required": visits,
        "online_depth": depth, "fee": fee, "fee_basis": fee_basis, "notes": notes,
        "implementing_body": body, "opens": opens, "parent_code": parent, "acceptance_conditions": conditions,
        "eligible_applicants": applicants,
        "place": VILLAGE_PLACE, "hours": VILLAGE_HOURS, "consultation": CONSULTATION, "complaint": COMPLAINT,
        "effective_from": EFFECTIVE_FROM,
        "materials": [{"name": m[0], "required": m[1], "form": m[2], "copies": m[3]} for m in materials],
        "questions": [{"key": q[0], "label": q[1], "type": q[2], "required": q[3], "choices": list(q[4])}
                      for q in questions],
    }


MEDICAL = "医疗保障"
PENSION = "社会保险"
EMPLOYMENT = "就业创业"
ASSISTANCE = "社会救助"
ELDERLY = "养老助残"
VETERANS = "退役军人"
HOUSEHOLD = "户籍证件"
AGRICULTURE = "农业农村"
HEALTH = "卫生健康"
LEGAL = "法律服务"
HOUSING = "住房建设"
EDUCATION = "教育资助"
VILLAGE = "村级事务"

ITEMS = [
    # Medical insurance
    _item("22-YB-001", "城乡居民基本医疗保险参保登记", "public_service", "medical_insurance",
          "《中华人民共和国社会保险法》第二十五条；《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）",
          3, None, 1, domain=MEDICAL, modes=ALL_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK),
          questions=(PHONE_Q, ("insured_year", "参保年度", "number", True, ())),
          conditions="本县户籍或持居住证、未参加职工基本医疗保险的城乡居民", applicants="城乡居民本人或其家庭成员",
          body="县医疗保障事务中心"),
    _item("22-YB-002", "城乡居民基本医疗保险费缴纳", "public_service", "medical_insurance",
          "《中华人民共和国社会保险法》第二十五条；《社会保险费征缴暂行条例》", 3, None, 1, domain=MEDICAL,
          modes=ALL_MODES, materials=(ID_CARD,), questions=(PHONE_Q, ("payers", "代缴人数", "number", True, ())),
          conditions="已参保登记的城乡居民，在集中征缴期内缴费", applicants="参保人本人或其家庭成员",
          body="县税务局、县医疗保障事务中心", depth=4,
          notes="村便民服务站协助通过税务缴费渠道缴纳，村里不代收现金。"),
    _item("22-YB-003", "医疗费用手工（零星）报销", "benefit", "medical_insurance",
          "《中华人民共和国社会保险法》第二十八条、第二十九条", 3, None, 20, domain=MEDICAL, modes=PROXY_MODES,
          materials=(ID_CARD, ("医疗费用发票原件", True, "paper", 1), ("费用明细清单", True, "paper", 1),
                     ("出院记录或诊断证明", True, "paper", 1), BANK_CARD),
          questions=(PHONE_Q, ("hospital", "就诊医院", "text", True, ()), ("total_cost", "医疗费用合计（元）", "number", True, ())),
          conditions="参保人因急诊、异地就医等原因未能直接结算的合规医疗费用", applicants="参保人本人或其家属", visits=0,
          body="县医疗保障事务中心"),
    _item("22-YB-004", "门诊慢特病待遇认定", "confirmation", "medical_insurance",
          "《国家医疗保障局办公室 财政部办公厅关于健全基本医疗保险门诊共济保障机制的指导意见》及吉林省门诊慢特病管理规定",
          3, None, 15, domain=MEDICAL, modes=PROXY_MODES,
          materials=(ID_CARD, ("二级及以上医院诊断证明", True, "paper", 1), ("相关检查报告", True, "paper", 1)),
          questions=(PHONE_Q, ("disease", "申请认定的病种", "text", True, ())),
          conditions="参保人患有吉林省门诊慢特病目录内疾病", applicants="参保人本人或其家属", body="县医疗保障事务中心"),
    _item("22-YB-005", "异地就医备案", "public_service", "medical_insurance",
          "《国家医疗保障局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》", 3, None, 1,
          domain=MEDICAL, modes=ALL_MODES, materials=(ID_CARD,),
          questions=(PHONE_Q, ("destination", "就医地", "text", True, ()),
                     ("category", "备案类别", "choice", True, ("异地长期居住", "临时外出就医", "转诊转院"))),
          conditions="参保人需在参保地以外就医", applicants="参保人本人或其家属", depth=4, body="县医疗保障事务中心"),
    _item("22-YB-006", "医疗救助申请", "benefit", "medical_insurance",
          "《社会救助暂行办法》第二十八条至第三十二条", 3, None, 20, domain=MEDICAL, modes=PROXY_MODES,
          materials=(ID_CARD, HOUSEHOLD_BOOK, ("医疗费用票据及结算单", True, "paper", 1)),
          questions=(PHONE_Q, ("self_paid", "个人自付费用（元）", "number", True, ())),
          conditions="最低生活保障家庭成员、特困供养人员及县级人民政府规定的其他特殊困难人员",
          applicants="救助对象本人或其家属", body="县医疗保障局"),
    # Social insurance: "four without leaving the village"
    # a main item (主项) with the items that belong to it, as the national item standard structures them
    _item("22-SB", "城乡居民基本养老保险", "public_service", "human_resources",
          "《中华人民共和国社会保险法》第二十条至第二十二条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
          3, None, 1, domain=PENSION, modes=ALL_MODES, materials=(), applicants="城乡居民", body="县社会保险事业管理局"),
    _item("22-SB-001", "城乡居民基本养老保险参保登记", "public_service", "human_resources",
          "《中华人民共和国社会保险法》第二十条至第二十二条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
          3, None, 1, domain=PENSION, modes=ALL_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK),
          questions=(PHONE_Q, ("contribution_level", "缴费档次（元/年）", "number", True, ())),
          conditions="年满16周岁（不含在校学生）、非国家机关和事业单位工作人员、不属于职工基本养老保险覆盖范围的城乡居民",
          applicants="本人", body="县社会保险事业管理局", parent="22-SB"),
    _item("22-SB-002", "城乡居民养老保险缴费档次变更", "public_service", "human_resources",
          "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）", 3, None, 1, domain=PENSION,
          modes=ALL_MODES, questions=(PHONE_Q, ("new_level", "新缴费档次（元/年）", "number", True, ())),
          applicants="已参保的城乡居民", depth=4, body="县社会保险事业管理局", parent="22-SB"),
    _item("22-SB-003", "城乡居民养老保险待遇申领", "benefit", "human_resources",
          "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）", 3, None, 10, domain=PENSION,
          modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK, BANK_CARD),
          conditions="年满60周岁、累计缴费满15年（或符合过渡政策）且未领取国家规定的基本养老保障待遇",
          applicants="参保人本人", body="县社会保险事业管理局", parent="22-SB"),
    _item("22-SB-004", "社会保险待遇领取资格认证", "public_service", "human_resources",
          "《人力资源社会保障部关于规范社会保险待遇领取资格认证工作的通知》（人社部发〔2018〕33号）", 3, None, 1,
          domain=PENSION, modes=["online", "terminal", "proxy", "video"], materials=(ID_CARD,),
          applicants="领取养老保险待遇的人员", depth=4, body="县社会保险事业管理局",
          notes="行动不便的老人可由村工作人员上门或视频协助认证。"),
    _item("22-SB-005", "社会保障卡申领", "public_service", "human_resources",
          "《中华人民共和国社会保险法》第五十八条", 3, None, 20, domain=PENSION, modes=PROXY_MODES,
          materials=(ID_CARD, PHOTO), applicants="参保人员", body="县社会保障卡服务中心"),
    _item("22-SB-006", "社会保障卡挂失与补换", "public_service", "human_resources",
          "《中华人民共和国社会保险法》第五十八条", 3, None, 10, domain=PENSION, modes=["accept_forward", "proxy", "online"],
          materials=(ID_CARD, PHOTO), questions=(PHONE_Q, ("what", "办理类型", "choice", True, ("挂失", "补领", "换领"))),
          applicants="持卡人本人", body="县社会保障卡服务中心"),
    _item("22-SB-007", "城乡居民养老保险关系转移接续", "public_service", "human_resources",
          "《城乡养老保险制度衔接暂行办法》（人社部发〔2014〕17号）", 3, None, 15, domain=PENSION,
          modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK), applicants="跨地区迁移户籍的参保人",
          body="县社会保险事业管理局", parent="22-SB"),
    # Employment
    _item("22-JY-001", "就业登记与失业登记", "public_service", "human_resources",
          "《中华人民共和国就业促进法》；《就业服务与就业管理规定》", 3, None, 1, domain=EMPLOYMENT, modes=ALL_MODES,
          questions=(PHONE_Q, ("status", "登记类型", "choice", True, ("就业登记", "失业登记"))),
          applicants="劳动年龄内有劳动能力的城乡劳动者", depth=4, body="县公共就业服务机构"),
    _item("22-JY-002", "就业困难人员认定", "confirmation", "human_resources",
          "《中华人民共和国就业促进法》第五十二条", 3, None, 10, domain=EMPLOYMENT, modes=PROXY_MODES,
          materials=(ID_CARD, ("就业困难情形相关材料", True, "paper", 1)), applicants="已办理失业登记的劳动者",
          body="县公共就业服务机构"),
    _item("22-JY-003", "农村劳动力职业技能培训报名", "public_service", "human_resources",
          "《中华人民共和国就业促进法》第四十六条、第四十八条", 3, None, 3, domain=EMPLOYMENT, modes=ALL_MODES,
          questions=(PHONE_Q, ("course", "希望参加的培训工种", "text", True, ())), applicants="有培训意愿的农村劳动者",
          body="县公共就业服务机构"),
    _item("22-JY-004", "创业担保贷款申请", "public_service", "human_resources",
          "《中华人民共和国就业促进法》；创业担保贷款贴息政策（财政部、人力资源社会保障部、中国人民银行）",
          3, None, 15, domain=EMPLOYMENT, modes=PROXY_MODES,
          materials=(ID_CARD, ("创业项目说明", True, "paper", 1), ("营业执照（已经营的）", False, "either", 1)),
          questions=(PHONE_Q, ("amount", "申请额度（万元）", "number", True, ())),
          applicants="返乡创业农民工等符合条件的创业人员", body="县创业担保贷款担保基金运营机构"),
    # Social assistance
    _item("22-JZ-001", "最低生活保障申请", "benefit", "civil_affairs",
          "《社会救助暂行办法》第九条至第十三条；《最低生活保障审核确认办法》（民发〔2021〕57号）", 3, 30, 25,
          domain=ASSISTANCE, modes=PROXY_MODES,
          materials=(ID_CARD, HOUSEHOLD_BOOK, ("家庭经济状况核对授权书", True, "paper", 1),
                     ("家庭成员收入、财产情况声明", True, "paper", 1)),
          questions=(PHONE_Q, ("household_size", "共同生活家庭成员人数", "number", True, ()), REASON_Q),
          conditions="共同生活的家庭成员人均收入低于当地最低生活保障标准且符合财产状况规定",
          applicants="申请家庭成员；本人申请有困难的可委托村民委员会代为提出", body="乡镇人民政府受理，县民政局审核确认",
          notes="经济困难情况以家庭经济状况核对和申请人承诺为准，不要求村委会出具收入证明。"),
    _item("22-JZ-002", "特困人员救助供养申请", "benefit", "civil_affairs",
          "《社会救助暂行办法》第十四条至第十九条；《特困人员认定办法》（民发〔2021〕43号）", 3, 30, 25,
          domain=ASSISTANCE, modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK, ("授权核对书", True, "paper", 1)),
          questions=(PHONE_Q, ("care", "供养方式意愿", "choice", True, ("分散供养", "集中供养"))),
          conditions="无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其义务人无履行能力的老年人、残疾人和未成年人",
          applicants="本人；本人申请有困难的可委托村民委员会代为提出", body="乡镇人民政府受理，县民政局审核确认"),
    _item("22-JZ-003", "临时救助申请", "benefit", "civil_affairs", "《社会救助暂行办法》第四十七条至第五十条",
          3, None, 10, domain=ASSISTANCE, modes=PROXY_MODES, materials=(ID_CARD, ("困难情况说明及相关材料", True, "either", 1)),
          questions=(PHONE_Q, REASON_Q, ("urgent", "是否情况紧急", "choice", True, ("是", "否"))),
          conditions="因火灾、交通事故等意外事件或家庭成员突发重大疾病等导致基本生活暂时出现严重困难的家庭或个人",
          applicants="困难家庭或个人", body="乡镇人民政府、县民政局",
          notes="情况紧急的，乡镇可先行救助，事后补齐手续。"),
    _item("22-JZ-004", "孤儿和事实无人抚养儿童基本生活保障", "benefit", "civil_affairs",
          "《国务院办公厅关于加强孤儿保障工作的意见》；《关于进一步加强事实无人抚养儿童保障工作的意见》", 3, None, 20,
          domain=ASSISTANCE, modes=PROXY_MODES, materials=(HOUSEHOLD_BOOK, ("儿童父母死亡、失踪或其他情形的证明材料", True, "paper", 1)),
          applicants="儿童监护人", body="县民政局"),
    _item("22-JZ-005", "惠民殡葬补贴申领", "benefit", "civil_affairs", "《殡葬管理条例》及吉林省惠民殡葬政策",
          3, None, 10, domain=ASSISTANCE, modes=PROXY_MODES,
          materials=(("逝者居民身份证或户口注销证明", True, "paper", 1), ("火化证明", True, "paper", 1), BANK_CARD),
          applicants="逝者家属", body="县民政局"),
    # Elderly and disability
    _item("22-LC-001", "高龄津贴申领", "benefit", "civil_affairs", "《中华人民共和国老年人权益保障法》第三十三条及吉林省高龄津贴政策",
          3, None, 10, domain=ELDERLY, modes=PROXY_MODES + ["video"], materials=(ID_CARD, HOUSEHOLD_BOOK, BANK_CARD),
          conditions="年满80周岁、具有本县户籍的老年人", applicants="老年人本人或其家属", body="县民政局"),
    _item("22-LC-002", "经济困难老年人养老服务补贴申请", "benefit", "civil_affairs",
          "《中华人民共和国老年人权益保障法》第三十三条", 3, None, 15, domain=ELDERLY, modes=PROXY_MODES,
          materials=(ID_CARD, HOUSEHOLD_BOOK), applicants="经济困难的高龄、失能老年人", body="县民政局"),
    _item("22-CJ-001", "困难残疾人生活补贴和重度残疾人护理补贴申请", "benefit", "civil_affairs",
          "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）", 3, None, 20,
          domain=ELDERLY, modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK, ("中华人民共和国残疾人证", True, "paper", 1)),
          questions=(PHONE_Q, ("subsidy", "申请补贴", "multi_choice", True, ("困难残疾人生活补贴", "重度残疾人护理补贴"))),
          applicants="持证残疾人本人或其监护人", body="乡镇人民政府受理，县民政局审核"),
    _item("22-CJ-002", "残疾人证申领", "confirmation", "disabled_persons", "《中华人民共和国残疾人证管理办法》",
          3, None, 20, domain=ELDERLY, modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK, PHOTO), visits=1,
          applicants="残疾人本人或其监护人", body="县残疾人联合会", notes="需到指定医院进行残疾评定一次。"),
    _item("22-CJ-003", "残疾儿童康复救助申请", "benefit", "disabled_persons",
          "《国务院关于建立残疾儿童康复救助制度的意见》（国发〔2018〕20号）", 3, None, 15, domain=ELDERLY,
          modes=PROXY_MODES, materials=(HOUSEHOLD_BOOK, ("医疗机构诊断证明", True, "paper", 1)),
          applicants="0-6岁残疾儿童的监护人", body="县残疾人联合会"),
    # Veterans
    _item("22-TY-001", "退役军人优待证申领", "public_service", "veterans",
          "《中华人民共和国退役军人保障法》；《退役军人、其他优抚对象优待证管理办法》", 3, None, 20, domain=VETERANS,
          modes=PROXY_MODES + ["online"], materials=(ID_CARD, ("退役证件或优抚对象证件", True, "paper", 1), PHOTO),
          applicants="退役军人和其他优抚对象", body="县退役军人事务局"),
    _item("22-TY-002", "优抚对象抚恤补助申领", "benefit", "veterans", "《军人抚恤优待条例》", 3, None, 20,
          domain=VETERANS, modes=PROXY_MODES, materials=(ID_CARD, ("优抚对象身份证明材料", True, "paper", 1), BANK_CARD),
          applicants="在乡老复员军人、带病回乡退伍军人等优抚对象", body="县退役军人事务局"),
    _item("22-TY-003", "退役军人信息采集与走访登记", "public_service", "veterans", "《中华人民共和国退役军人保障法》",
          3, None, 5, domain=VETERANS, modes=ALL_MODES, applicants="退役军人本人", depth=4,
          body="乡镇退役军人服务站"),
    # Household registration and ID card, by proxy
    _item("22-HJ-001", "出生登记（户口代办）", "confirmation", "public_security", "《中华人民共和国户口登记条例》第七条",
          3, None, 5, domain=HOUSEHOLD, modes=PROXY_MODES,
          materials=(("出生医学证明", True, "paper", 1), ("父母居民身份证", True, "paper", 1), HOUSEHOLD_BOOK),
          questions=(PHONE_Q, ("child_name", "新生儿姓名", "text", True, ()), ("birth_date", "出生日期", "date", True, ())),
          conditions="婴儿出生后一个月以内申报", applicants="新生儿父母或监护人", body="县公安局派出所"),
    _item("22-HJ-002", "死亡注销户口（代办）", "confirmation", "public_security", "《中华人民共和国户口登记条例》第八条",
          3, None, 5, domain=HOUSEHOLD, modes=PROXY_MODES,
          materials=(("居民死亡医学证明或火化证明", True, "paper", 1), HOUSEHOLD_BOOK), applicants="逝者家属",
          body="县公安局派出所"),
    _item("22-HJ-003", "户口迁移（代办）", "licensing", "public_security", "《中华人民共和国户口登记条例》第十条",
          3, None, 10, domain=HOUSEHOLD, modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK, ("迁入地相关材料", True, "paper", 1)),
          applicants="迁移人本人", body="县公安局派出所"),
    _item("22-HJ-004", "居民身份证申领、换领、补领（代办）", "licensing", "public_security",
          "《中华人民共和国居民身份证法》", 3, None, 20, domain=HOUSEHOLD, modes=["accept_forward", "proxy"],
          materials=(HOUSEHOLD_BOOK, ("原居民身份证（换领时）", False, "paper", 1)),
          questions=(PHONE_Q, ("what", "办理类型", "choice", True, ("首次申领", "到期换领", "丢失补领"))),
          applicants="公民本人", visits=1, fee="工本费：申领、换领20元，丢失补领、损坏换领40元",
          fee_basis="国家发展改革委、财政部关于居民身份证收费标准的规定", body="县公安局派出所",
          notes="身份证法规定自提交申领登记表之日起六十日内发放；本人需到派出所采集指纹和照片一次，村里代办其余手续并代领证件。"),
    # Agriculture
    _item("22-NY-001", "耕地地力保护补贴申报", "benefit", "agriculture",
          "《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》（财农〔2016〕26号）", 3, None, 15,
          domain=AGRICULTURE, modes=PROXY_MODES, materials=(ID_CARD, ("土地承包经营权证或承包合同", True, "paper", 1), BANK_CARD),
          questions=(PHONE_Q, ("area_mu", "承包耕地面积（亩）", "number", True, ())),
          applicants="拥有耕地承包权的种地农民", body="乡镇农业站、县农业农村局"),
    _item("22-NY-002", "玉米和大豆生产者补贴申报", "benefit", "agriculture",
          "国家玉米和大豆生产者补贴政策（财政部、农业农村部）及吉林省实施方案", 3, None, 15, domain=AGRICULTURE,
          modes=PROXY_MODES, materials=(ID_CARD, BANK_CARD),
          questions=(PHONE_Q, ("corn_mu", "玉米种植面积（亩）", "number", True, ()),
                     ("soybean_mu", "大豆种植面积（亩）", "number", False, ())),
          applicants="在本县合法耕地上种植玉米、大豆的生产者", body="乡镇人民政府、县农业农村局"),
    _item("22-NY-003", "农机购置与应用补贴申请", "benefit", "agriculture", "《中华人民共和国农业机械化促进法》第二十七条",
          3, None, 15, domain=AGRICULTURE, modes=PROXY_MODES + ["online"],
          materials=(ID_CARD, ("购机发票", True, "paper", 1), BANK_CARD), applicants="购买补贴范围内农机的农民和农业生产经营组织",
          visits=1, body="县农业农村局", notes="需将所购农机具开到指定地点核验一次。"),
    _item("22-NY-004", "农村土地经营权流转合同备案", "other_power", "agriculture",
          "《中华人民共和国农村土地承包法》第三十六条；《农村土地经营权流转管理办法》", 5, None, 5, domain=AGRICULTURE,
          modes=PROXY_MODES, materials=(ID_CARD, ("土地经营权流转合同", True, "paper", 2)),
          applicants="承包方（流转土地的农户）", body="发包方（村集体经济组织），乡镇农村经营管理机构"),
    _item("22-NY-005", "政策性农业保险投保", "public_service", "agriculture",
          "《农业保险条例》", 3, None, 5, domain=AGRICULTURE, modes=PROXY_MODES,
          materials=(ID_CARD, BANK_CARD), questions=(PHONE_Q, ("crop", "投保作物", "text", True, ()), ("area_mu", "投保面积（亩）", "number", True, ())),
          applicants="从事种植业的农户", body="承保保险机构，县农业农村局指导", notes="投保自愿，村里协助组织，不代收保费现金。"),
    _item("22-NY-006", "农村宅基地和建房（规划许可）申请", "licensing", "natural_resources",
          "《中华人民共和国土地管理法》第六十二条；《中华人民共和国城乡规划法》第四十一条", 4, 20, 20, domain=AGRICULTURE,
          modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK, ("农村宅基地和建房（规划许可）申请表", True, "paper", 1),
                                        ("村民小组会议讨论意见", True, "paper", 1)),
          applicants="符合宅基地申请条件的本集体经济组织成员户", body="乡镇人民政府", visits=1,
          notes="乡镇自收到申请之日起20个工作日内审批，并到现场丈量批放一次。"),
    # Health
    _item("22-WJ-001", "家庭医生签约服务", "public_service", "health",
          "《关于推进家庭医生签约服务的指导意见》（国医改办发〔2016〕1号）", 3, None, 1, domain=HEALTH, modes=ALL_MODES,
          materials=(ID_CARD,), applicants="本县常住居民，老年人、慢性病患者等重点人群优先", depth=4, body="乡镇卫生院、村卫生室"),
    _item("22-WJ-002", "65岁以上老年人免费健康体检预约", "public_service", "health", "国家基本公共卫生服务规范",
          3, None, 5, domain=HEALTH, modes=ALL_MODES, applicants="65周岁及以上常住老年人", depth=4,
          body="乡镇卫生院"),
    _item("22-WJ-003", "农村部分计划生育家庭奖励扶助申报", "benefit", "health",
          "《中华人民共和国人口与计划生育法》；农村部分计划生育家庭奖励扶助制度", 3, None, 20, domain=HEALTH,
          modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK), applicants="符合条件的农村计划生育家庭夫妻",
          body="县卫生健康局"),
    _item("22-WJ-004", "生育登记", "public_service", "health", "《中华人民共和国人口与计划生育法》", 3, None, 1,
          domain=HEALTH, modes=ALL_MODES, materials=(("夫妻双方居民身份证", True, "either", 1),), depth=4,
          applicants="生育子女的夫妻", body="乡镇人民政府、县卫生健康局"),
    # Legal services
    _item("22-FL-001", "法律援助申请转交", "public_service", "justice", "《中华人民共和国法律援助法》第三十九条、第四十三条",
          3, None, 5, domain=LEGAL, modes=PROXY_MODES + ["online"], materials=(ID_CARD, ("与所申请法律援助事项有关的材料", True, "either", 1),
                                                                                ("经济困难状况说明表（个人诚信承诺）", True, "paper", 1)),
          questions=(PHONE_Q, ("matter", "法律援助事项", "text", True, ())),
          applicants="经济困难或属于免予核查经济困难状况情形的公民", body="县法律援助中心",
          notes="法律援助法第四十三条：法律援助机构自收到申请之日起七日内作出决定。村里转交，不出具经济困难证明。",
          opens="legal_aid"),
    _item("22-FL-002", "人民调解申请", "public_service", "justice", "《中华人民共和国人民调解法》第十七条", 5, None, 3,
          domain=LEGAL, modes=PROXY_MODES, materials=(ID_CARD,),
          questions=(PHONE_Q, ("dispute", "纠纷简要情况", "text", True, ()), ("other_party", "对方当事人", "text", False, ())),
          applicants="纠纷当事人", body="村人民调解委员会", notes="调解不收费；调解期限一般为一个月。",
          opens="mediation"),
    _item("22-FL-003", "法律咨询（村法律顾问）", "public_service", "justice", "《中华人民共和国法律援助法》第二十二条",
          5, None, 3, domain=LEGAL, modes=ALL_MODES, materials=(),
          questions=(PHONE_Q, ("question", "咨询的问题", "text", True, ())), applicants="本村村民", depth=4,
          body="村（居）法律顾问；12348公共法律服务热线"),
    # Housing and education
    _item("22-ZJ-001", "农村低收入群体等重点对象住房安全保障（危房改造）申请", "benefit", "housing",
          "《住房和城乡建设部 财政部 民政部 国家乡村振兴局关于做好农村低收入群体等重点对象住房安全保障工作的实施意见》",
          3, None, 20, domain=HOUSING, modes=PROXY_MODES, materials=(ID_CARD, HOUSEHOLD_BOOK), visits=0,
          applicants="农村低收入群体等重点对象", body="乡镇人民政府、县住房和城乡建设局"),
    _item("22-XS-001", "家庭经济困难学生资助申请", "benefit", "education", "国家学生资助政策（财政部、教育部）",
          3, None, 15, domain=EDUCATION, modes=PROXY_MODES + ["online"], materials=(("学生学籍信息", True, "either", 1),),
          applicants="家庭经济困难学生及其监护人", body="就读学校、县学生资助管理中心",
          notes="家庭经济困难认定以学生和家长承诺及数据比对为准，不要求村委会出具贫困证明。"),
    # Village public affairs and villagers' own matters (seed 004's diversion)
    _item("22-CW-001", "村内道路、路灯、水井等公共设施报修", "public_service", "government_office",
          "《中华人民共和国村民委员会组织法》第二条、第八条", 5, None, 5, domain=VILLAGE, modes=ALL_MODES, materials=(),
          questions=(PHONE_Q, ("where", "位置", "text", True, ()), ("photo", "现场照片", "file", False, ())),
          kind="village_affairs", applicants="本村村民", depth=4, body="村民委员会",
          notes="村里无法解决的，报乡镇统筹解决。"),
    _item("22-CW-002", "一事一议公益事业建设申请", "public_service", "government_office",
          "《中华人民共和国村民委员会组织法》第二十四条；《村民一事一议筹资筹劳管理办法》", 5, None, 30, domain=VILLAGE,
          modes=PROXY_MODES, materials=(), questions=(("project", "建议的公益事业项目", "text", True, ()), PHONE_Q),
          kind="village_affairs", applicants="本村村民", body="村民委员会、村民会议或村民代表会议"),
    _item("22-CW-003", "农产品销售信息发布代办", "public_service", "agriculture", "《中华人民共和国乡村振兴促进法》第十九条",
          5, None, 3, domain=VILLAGE, modes=ALL_MODES, materials=(),
          questions=(PHONE_Q, ("product", "农产品及数量", "text", True, ())), kind="villager_own", applicants="本村村民",
          depth=4, body="村便民服务站", notes="属于村民个人事务，村里自愿提供便利，不承担销售责任。"),
]

# Items Siping City's guidance directory leaves out (a city narrows the province's list).
SIPING_LEAVES_OUT = {"22-JY-004"}
# Local details Lishu County sets (a county tightens: shorter promised limits, its own place and contact).
LISHU_DETAILS = {
    "22-YB-003": {"promised_limit_days": 15},
    "22-JZ-001": {"promised_limit_days": 20},
    "22-JZ-003": {"promised_limit_days": 7},
    "22-SB-005": {"promised_limit_days": 15},
}
LISHU_CONTACT = {
    "consultation": "村便民服务站当面咨询；梨树县政务服务热线 12345",
    "complaint": "12345政务服务便民热线；梨树县政务服务中心投诉窗口",
}
