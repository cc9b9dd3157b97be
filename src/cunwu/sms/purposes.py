"""Text-message purposes. A provider sends only templates approved in advance: each purpose is one template,
with its parameters in the template's order and the wording the platform uses (for the demo outbox, WeCom and
the provider's approval form). Apps register their own purposes when they load."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Purpose:
    name: str
    params: tuple[str, ...]
    text: object  # a lazy translation with %(param)s placeholders


PURPOSES: dict[str, Purpose] = {}


def register(name: str, text, *params: str) -> Purpose:
    purpose = Purpose(name, tuple(params), text)
    PURPOSES[name] = purpose
    return purpose


def ordered(name: str, params: dict) -> dict[str, str]:
    """The parameters of a purpose as strings, in the template's order (Tencent's templates are positional);
    a missing one is refused here, before anything is stored."""
    purpose = PURPOSES[name]
    missing = [p for p in purpose.params if p not in params]
    if missing:
        raise KeyError(f"text purpose {name} needs {', '.join(missing)}")
    return {p: str(params[p])[:300] for p in purpose.params}


def render(name: str, params: dict, language: str = "zh-hans") -> str:
    with translation.override(language):
        return str(PURPOSES[name].text) % params


register("sign_in_code", _("[cunwu] Your sign-in code is %(code)s, valid for %(m)s minutes. Do not share it."),
         "code", "m")
register("work", _("[cunwu] %(what)s: %(ref)s, due %(due)s. Please see your inbox on the platform."),
         "what", "ref", "due")
register("work_info", _("[cunwu] %(what)s: %(ref)s. Please see your inbox on the platform."), "what", "ref")
register("work_digest", _("[cunwu] %(count)s new items: %(what)s. Please see your inbox on the platform."),
         "what", "count")
