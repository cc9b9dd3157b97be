"""County functional departments (县级职能部门)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs Bureau")
    JUSTICE = "justice", _("Justice Bureau")
    PUBLIC_SECURITY = "public_security", _("Public Security Bureau")
    HUMAN_RESOURCES = "human_resources", _("Human Resources and Social Security Bureau")
    HEALTH = "health", _("Health Commission")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical Insurance Bureau")
    AGRICULTURE = "agriculture", _("Agriculture and Rural Affairs Bureau")
    VETERANS = "veterans", _("Veterans Affairs Bureau")
    EMERGENCY = "emergency", _("Emergency Management Bureau")
    EDUCATION = "education", _("Education Bureau")
    HOUSING = "housing", _("Housing and Urban-Rural Development Bureau")
    NATURAL_RESOURCES = "natural_resources", _("Natural Resources Bureau")
    ECOLOGY = "ecology", _("Ecology and Environment Bureau")
    MARKET_REGULATION = "market_regulation", _("Market Regulation Bureau")
    WOMENS_FEDERATION = "womens_federation", _("Women's Federation")
    DISABLED_PERSONS = "disabled_persons", _("Disabled Persons' Federation")
    ORGANISATION = "organisation", _("Organisation Department of the County Party Committee")
    RURAL_WORK = "rural_work", _("Rural Work Office of the County Party Committee")
    GOVERNMENT_OFFICE = "government_office", _("County Government Office")


# Chinese names as the county uses them, for lookups by name in commands and spreadsheets.
CHINESE_NAMES = {
    "civil_affairs": "民政局",
    "justice": "司法局",
    "public_security": "公安局",
    "human_resources": "人力资源和社会保障局",
    "health": "卫生健康局",
    "medical_insurance": "医疗保障局",
    "agriculture": "农业农村局",
    "veterans": "退役军人事务局",
    "emergency": "应急管理局",
    "education": "教育局",
    "housing": "住房和城乡建设局",
    "natural_resources": "自然资源局",
    "ecology": "生态环境局",
    "market_regulation": "市场监督管理局",
    "womens_federation": "妇女联合会",
    "disabled_persons": "残疾人联合会",
    "organisation": "县委组织部",
    "rural_work": "县委农村工作领导小组办公室",
    "government_office": "县政府办公室",
}


def kind_from_name(name: str) -> str | None:
    """Accept the key (civil_affairs), the Chinese name (民政局) or the English name, case-insensitively."""
    wanted = (name or "").strip().lower()
    for kind in DepartmentKind:
        if wanted in {kind.value, str(kind.label).lower(), CHINESE_NAMES[kind.value]}:
            return kind.value
    return None
