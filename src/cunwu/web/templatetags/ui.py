"""The design system's form components (docs/design.md), written once for every page: a field with its label,
hint and error beside it, and the error summary at the top of a form that links to each field.

    {% load ui %}
    {% error_summary errors %}
    {% field "title" _("What is the problem?") value=form.title errors=errors required=True maxlength=200 %}
    {% field "description" _("More details") kind="textarea" value=form.description errors=errors %}
    {% field "category" _("Category") kind="select" choices=categories value=form.category errors=errors %}

A field's id is its name, so the summary's links land on it; an invalid field carries aria-invalid and points
to its message with aria-describedby, which screen readers read out with the field."""

from __future__ import annotations

from django import template

register = template.Library()

KINDS = {"text", "tel", "number", "date", "datetime-local", "email", "search", "password", "textarea", "select"}


@register.inclusion_tag("web/ui/field.html")
def field(name: str, label: str, value="", errors=None, kind: str = "text", hint: str = "", required: bool = False,
          choices=None, blank: str | None = None, full: bool = False, **attrs):
    """One form control. `kind`: an input type, "textarea" or "select" (with `choices`, pairs of value and label,
    and `blank`, the label of an empty first choice). Other keyword arguments become the control's attributes
    (maxlength, inputmode, autocomplete, rows, min, max, placeholder)."""
    if kind not in KINDS:
        raise template.TemplateSyntaxError(f"field {name}: unknown kind {kind}")
    messages = list((errors or {}).get(name) or [])
    value = "" if value is None else value
    pairs = [(c, c) if isinstance(c, str) else (str(c[0]), c[1]) for c in (choices or [])]
    return {"name": name, "label": label, "value": str(value), "messages": messages, "kind": kind, "hint": hint,
            "required": required, "choices": pairs, "blank": blank, "full": full,
            "attrs": [(k.replace("_", "-"), v) for k, v in attrs.items() if v not in (None, False, "")]}


@register.inclusion_tag("web/ui/error_summary.html")
def error_summary(errors, fields: str = ""):
    """Every message of a failed submit, each a link to its field. Messages not of a field (`__all__`, or a
    field the form does not show) are listed without a link. `fields`: the names shown by the form, separated by
    spaces (all of them when empty)."""
    shown = set(fields.split()) if fields else None
    items = []
    for name, messages in (errors or {}).items():
        linked = name != "__all__" and (shown is None or name in shown)
        items += [(name if linked else "", message) for message in messages]
    return {"items": items}


@register.inclusion_tag("web/ui/group_errors.html")
def group_errors(errors, name: str):
    """The messages of a group of checkboxes or radio buttons, shown inside its fieldset under the legend. The
    fieldset carries the id `name` (the summary links to it) and aria-describedby="`name`-error"."""
    return {"name": name, "messages": list((errors or {}).get(name) or [])}


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (a dict, or a form's last value of a field); empty when missing."""
    if mapping is None:
        return ""
    getter = getattr(mapping, "get", None)
    return getter(key, "") if getter else ""


@register.filter
def get_list(mapping, key) -> list:
    """Every value of a form's field (checkboxes), or a dict's list."""
    if hasattr(mapping, "getlist"):
        return mapping.getlist(key)
    value = mapping.get(key, []) if isinstance(mapping, dict) else []
    return value if isinstance(value, list) else [value]
