"""Free text from forms and the API, checked the same way everywhere: trimmed, required unless said otherwise,
and no longer than the field allows, with the error on the field's name in the user's language."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def clean_text(value: str, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return value
