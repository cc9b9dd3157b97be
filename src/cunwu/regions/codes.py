"""The statistical division code: 2/4/6/9/12 digits for province, city, county, township, village.

A region's descendants are exactly the codes in [code, upper_bound(code)), so "within my jurisdiction" is an
index range scan, never a walk down the tree.
"""

from django.utils.translation import gettext as _

LEVEL_BY_LENGTH = {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}
LENGTH_BY_LEVEL = {v: k for k, v in LEVEL_BY_LENGTH.items()}
LEVEL_NAMES = {1: "province", 2: "city", 3: "county", 4: "township", 5: "village"}
LEVEL_BY_NAME = {v: k for k, v in LEVEL_NAMES.items()}


class InvalidRegionCode(ValueError):
    pass


def level_of(code: str) -> int:
    """The level (1 province .. 5 village) of a well-formed code; raises InvalidRegionCode otherwise."""
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
        raise InvalidRegionCode(
            _("“%(code)s” is not a region code: use 2, 4, 6, 9 or 12 digits.") % {"code": str(code)[:40]}
        )
    return LEVEL_BY_LENGTH[len(code)]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == 1:
        return None
    return code[: LENGTH_BY_LEVEL[level - 1]]


def upper_bound(code: str) -> str:
    """The smallest string above every code that starts with `code` (codes are ASCII digits)."""
    return code[:-1] + chr(ord(code[-1]) + 1)


def code_range(code: str) -> tuple[str, str]:
    return code, upper_bound(code)


def contains(ancestor: str, code: str) -> bool:
    return code.startswith(ancestor)


def ancestors(code: str) -> list[str]:
    """The codes of `code` and every region above it, from the province down."""
    level = level_of(code)
    return [code[: LENGTH_BY_LEVEL[lv]] for lv in range(1, level + 1)]


def is_valid(code: str) -> bool:
    try:
        level_of(code)
    except InvalidRegionCode:
        return False
    return True
