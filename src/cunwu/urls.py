from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults

from cunwu.api import api
from cunwu.certificates.views import verify_short
from cunwu.open311 import views as open311_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("cunwu.accounts.urls")),
    path("regions/", include("cunwu.regions.urls")),
    path("audit/", include("cunwu.audit.urls")),
    path("burden/", include("cunwu.burden.urls")),
    path("cases/", include("cunwu.cases.urls")),
    path("households/", include("cunwu.households.urls")),
    path("certificates/", include("cunwu.certificates.urls")),
    path("v/<str:code>", verify_short, name="verify-short"),  # the short address printed on certificates
    path("legal/", include("cunwu.legal.urls")),
    path("open311/v2/", include("cunwu.open311.urls")),
    path("partners/", include("cunwu.partners.urls")),
    path("national/", include("cunwu.federation.urls")),
    path("partners/<int:partner_id>/orders/", open311_views.orders, name="partner_orders"),
    path("partners/<int:partner_id>/orders/results.<str:fmt>", open311_views.order_results,
         name="partner_order_results"),
    path("", include("cunwu.notices.urls")),
    path("", include("cunwu.directory.urls")),
    path("", include("cunwu.web.urls")),
]


def handler404(request, exception):
    """An address under the API that matches no route (a negative id, a typo) answers in the API's own shape."""
    if request.path.startswith("/api/"):
        return api.create_response(request, {"detail": _("Not found.")}, status=404)
    if request.path.startswith("/open311/"):  # the GeoReport specification's error list
        from cunwu.open311.formats import errors

        return errors("xml" if request.path.endswith(".xml") else "json", 404, _("Not found."))
    return defaults.page_not_found(request, exception)


def handler400(request, exception):
    if request.path.startswith("/api/"):
        return api.create_response(request, {"detail": _("The request could not be read.")}, status=400)
    return defaults.bad_request(request, exception)


def handler500(request):
    """A page in the user's language with a way back (an API address answers in the API's own shape)."""
    if request.path.startswith("/api/"):
        return api.create_response(request, {"detail": _("Something went wrong; try again in a minute.")},
                                   status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """A form sent after its page expired (or without cookies): say so, in the user's language."""
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        return api.create_response(request, {"detail": _("The form had expired: reload it and send it again.")},
                                   status=403)
    return render(request, "csrf_failure.html", status=403)
