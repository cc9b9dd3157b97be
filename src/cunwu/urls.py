from django.urls import include, path

from cunwu.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("cunwu.accounts.urls")),
    path("regions/", include("cunwu.regions.urls")),
    path("audit/", include("cunwu.audit.urls")),
    path("burden/", include("cunwu.burden.urls")),
    path("cases/", include("cunwu.cases.urls")),
    path("certificates/", include("cunwu.certificates.urls")),
    path("legal/", include("cunwu.legal.urls")),
    path("", include("cunwu.notices.urls")),
    path("", include("cunwu.directory.urls")),
    path("", include("cunwu.web.urls")),
]
