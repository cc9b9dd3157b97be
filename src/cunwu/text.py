"""Free text from forms and the API, checked the same way everywhere: trimmed, required unless said otherwise,
and no longer than the field allows, with the error on the field's name in the user's language."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# NUL and the other control characters a keyboard never types (tab, line feed and carriage return are fine),
# and lone UTF-16 surrogates, which no database stores as text.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(value: str, limit: int) -> str:
    """Why `value` (already trimmed) cannot be stored, or "": too long (never cut short without a word) or
    holding characters that are not text."""
    if len(value) > limit:
        return _("At most %(n)s characters (this has %(m)s).") % {"n": limit, "m": len(value)}
    if _UNPRINTABLE.search(value):
        return _("The text contains control characters; remove them and try again.")
    return ""


def printable(value: str) -> str:
    """The value without the characters no database stores as text (for names that come with files, which are
    kept as sent rather than refused)."""
    return _UNPRINTABLE.sub("", value)


def clean_text(value: str, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    problem = text_problem(value, limit)
    if problem:
        raise ValidationError({field: [problem]})
    return value


_WORD = re.compile(r"\w{2,}")
_COMMON = set("我们 你们 他们 怎么 什么 现在 已经 因为 所以 如果 但是 然后 一下 这个 那个 一个 没有 可以 不能 问题 请问 "
              "村里 我家 家里 一直 还是 就是 这里 那里".split())


def warm() -> None:
    """Load jieba's dictionary now (a server does it before its first request)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()


def words(value: str) -> set[str]:
    """The words of a text that say what it is about (jieba's search cut; single characters and words every
    request has left out), to tell how alike two texts are."""
    import jieba

    return {w.lower() for w in jieba.cut_for_search(value or "") if _WORD.fullmatch(w)} - _COMMON


def likeness(a: set[str], b: set[str]) -> float:
    """Jaccard: the words two texts share over the words either has."""
    return len(a & b) / len(a | b) if a and b else 0.0
