"""Public pages: the verification page a QR code opens, and the published keys."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from cunwu.audit.context import client_ip

from . import keys, services

STATUS_WORDS = {
    "valid": (_("Valid"), _("This certificate is genuine and in force."), "ok"),
    "expired": (_("Expired"), _("This certificate is genuine but its validity has passed."), "warn"),
    "revoked": (_("Revoked"), _("The village revoked this certificate; it must not be used."), "bad"),
    "unknown": (_("No record"), _("The signature is right, but this platform has no record of the certificate."),
                "bad"),
    "malformed": (_("Not recognised"), _("This is not a certificate code of this platform, or it is incomplete."),
                  "bad"),
    "unknown_key": (_("Unknown key"), _("It was signed with a key no county has published."), "bad"),
    "bad_signature": (_("Signature does not match"), _("The content was changed or forged: do not trust it."),
                      "bad"),
}


@never_cache
def verify_page(request, token: str):
    if not services.verification_allowed(client_ip(request)):
        return render(request, "certificates/verify.html", {"limited": True}, status=429)
    result = services.verify(token)
    title, words, tone = STATUS_WORDS[result.status]
    return render(request, "certificates/verify.html", {
        "result": result, "shown": result.as_dict(), "title": title, "words": words, "tone": tone})


def published_keys(request):
    response = JsonResponse({"keys": keys.published(request.GET.get("county", "").strip())},
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response
