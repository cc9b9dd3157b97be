"""Turning a service's ValidationError into what a page shows: field errors, or flashed messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def parse_date(value: str, field: str):
    """A form's ISO date between 1900 and 2099, or None when left empty; anything else is the field's error."""
    from cunwu import dates

    return dates.parse(value, field)


def flash_errors(request, exc: ValidationError) -> None:
    for field_messages in errors_of(exc).values():
        for message in field_messages:
            messages.error(request, message)


def act_and_return(request, action, success: str, to: str):
    """A page's POST: run `action(actor)` (a service call), flash its outcome (success, invalid input, or a
    refusal of something the user can see but not do) and go back to `to`."""
    from cunwu.accounts.permissions import Forbidden
    from cunwu.audit.context import Actor

    try:
        action(Actor.from_request(request))
        messages.success(request, success)
    except ValidationError as exc:
        flash_errors(request, exc)
    except Forbidden as exc:
        messages.error(request, exc.message or _("You may not do this."))
    return redirect(to)


def form_page(request, template: str, context: dict, save, success: str):
    """A page with one form: shown on GET; on POST saved through the service, then on to the address `save`
    returns, or shown again with every error beside its field and what was typed kept."""
    form = request.POST if request.method == "POST" else {}
    errors: dict = {}
    if request.method == "POST":
        try:
            target = save(form)
            messages.success(request, success)
            return redirect(target)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, template, {**context, "form": form, "errors": errors})
