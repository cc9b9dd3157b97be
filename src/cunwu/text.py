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
