"""The certificate types seeded nationally: the 20 items village organisations must not issue (民发〔2020〕20号,
first batch) with who verifies instead, and the kinds a village may still issue or replace by a commitment
(examples from provincial lists). Provinces add their own through `cunwu certificates types`."""

from typing import Any

NON_ISSUABLE: list[dict[str, Any]] = [
    ("kinship", "亲属关系证明", "由公安机关户籍管理部门通过户口簿、户籍信息核查；夫妻关系以婚姻登记机关的记录为准；必要时由公证机构办理亲属关系公证。"),
    ("household", "居民身份信息证明（户籍证明）", "由户籍所在地公安派出所出具或通过户籍信息系统核查。"),
    ("household_change", "户口登记项目内容变更申请证明", "由公安派出所依据原始档案和有关材料核查。"),
    ("dog", "居民养犬证明", "由公安机关或县级人民政府确定的部门依法办理养犬登记。"),
    ("no_crime", "无犯罪记录证明", "由公安机关出具。"),
    ("drug_rehab", "社区戒毒社区康复人员情况证明", "由乡镇人民政府（街道办事处）社区戒毒社区康复工作机构或公安机关核查。"),
    ("missing", "人员失踪证明", "宣告失踪由人民法院判决；报失踪由公安机关出具受案回执。"),
    ("marital", "婚姻状况证明", "由婚姻登记机关查询婚姻登记档案；未婚等情况可由本人书面承诺。"),
    ("birth", "出生证明", "由助产的医疗卫生机构签发《出生医学证明》。"),
    ("alive", "健在证明", "由社会保险经办机构通过人脸识别、数据比对等方式进行资格认证。"),
    ("death", "死亡证明", "由医疗卫生机构出具《居民死亡医学证明（推断）书》；非正常死亡由公安机关出具。"),
    ("illness", "疾病状况证明", "由医疗机构出具诊断证明。"),
    ("disability", "残疾状况证明", "以残疾人联合会核发的《中华人民共和国残疾人证》为准。"),
    ("fertility", "婚育状况证明", "由卫生健康部门通过信息核查，或由本人书面承诺。"),
    ("employment", "居民就业状况证明", "由人力资源社会保障部门通过就业失业登记信息核查。"),
    ("personal_file", "居民个人档案证明", "由档案保管单位或人力资源社会保障部门的档案管理机构出具。"),
    ("property", "居民财产证明（经济状况、收入、房产、存款、车辆等）",
     "由不动产登记机构、银行、车辆管理所等按各自职责查询；经济困难情况可由本人书面承诺或通过数据核查。"),
    ("inheritance", "遗产继承权证明", "由公证机构办理继承权公证，或由人民法院依法确认。"),
    ("business_address", "市场主体住所证明", "由市场监督管理部门实行住所（经营场所）申报承诺制。"),
    ("lost_document", "证件遗失证明", "由原发证机关依申请人的书面声明补发，无需村级证明。"),
]

ISSUABLE: list[dict[str, Any]] = [
    {
        "code": "party_residence", "name": "党员在居住地表现情况反馈",
        "legal_basis": "《中国共产党章程》《中国共产党农村基层组织工作条例》",
        "purpose": "党员所在党组织了解其在居住地的表现", "procedure": "本人或所在党组织提出，村党组织核实后出具",
        "checks": ["核对本人身份", "征求村党组织意见"], "limit_days": 0, "validity_days": 90, "major": False,
        "fields": [["holder_name", "姓名"], ["residence_since", "在本村居住起始年份"], ["conduct", "表现情况"]],
    },
    {
        "code": "party_applicant_review", "name": "入党积极分子、发展对象政治审查情况",
        "legal_basis": "《中国共产党发展党员工作细则》",
        "purpose": "发展党员政治审查", "procedure": "发展党员的党组织函询，村党组织核实后出具",
        "checks": ["核对本人身份", "核实现实表现", "村党组织集体研究"], "limit_days": 5, "validity_days": 180,
        "major": False,
        "fields": [["holder_name", "姓名"], ["conduct", "现实表现"]],
    },
    {
        "code": "adopter_status", "name": "收养人婚姻状况、有无子女和抚养教育被收养人能力情况",
        "legal_basis": "《中华人民共和国民法典》第一千零九十八条、《中国公民收养子女登记办法》第六条",
        "purpose": "办理收养登记", "procedure": "申请人提出，村民委员会核实后出具，报乡镇人民政府备案",
        "checks": ["核对本人身份", "入户了解家庭情况", "核实抚养能力"], "limit_days": 5, "validity_days": 180,
        "major": True,
        "fields": [["holder_name", "姓名"], ["marital_status", "婚姻状况"], ["children", "子女情况"],
                   ["capacity", "抚养教育能力"]],
    },
    {
        "code": "student_practice", "name": "学生社会实践活动情况反馈",
        "legal_basis": "教育部门关于学生社会实践的规定",
        "purpose": "学校了解学生在村参加社会实践的情况", "procedure": "学生持学校材料提出，村民委员会当场出具",
        "checks": ["核对本人身份", "核实参加活动情况"], "limit_days": 0, "validity_days": 365, "major": False,
        "fields": [["holder_name", "姓名"], ["school", "学校"], ["activity", "活动内容与时间"]],
    },
]

COMMITMENT: list[dict[str, Any]] = [
    {
        "code": "residence_commitment", "name": "实际居住情况（告知承诺）",
        "legal_basis": "《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号）",
        "purpose": "子女入学、申领证照等需要说明实际居住情况", "procedure": "申请人签署书面承诺，由受理单位核查",
        "fields": [["holder_name", "姓名"], ["address", "实际居住地址"], ["since", "居住起始时间"]],
    },
    {
        "code": "hardship_commitment", "name": "家庭经济困难情况（告知承诺）",
        "legal_basis": "《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号）",
        "purpose": "学生资助、法律援助等需要说明家庭经济困难", "procedure": "申请人签署书面承诺，由受理单位核查",
        "fields": [["holder_name", "姓名"], ["situation", "家庭经济情况"]],
    },
]
