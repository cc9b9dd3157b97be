"""Offsets of list endpoints: a negative one reads from the start; one past what any list could hold is refused
with a message (a number beyond 64 bits would otherwise reach the database and fail there)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_OFFSET = 10_000_000


def check_offset(offset: int) -> int:
    if offset > MAX_OFFSET:
        raise ValidationError({"offset": [_("The offset can be at most %(n)d.") % {"n": MAX_OFFSET}]})
    return max(0, offset)
