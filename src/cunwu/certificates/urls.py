from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("keys.json", views.published_keys, name="keys"),
    path("v/", views.lookup, name="lookup"),
    path("v/<str:token>", views.verify_page, name="verify"),
    path("village/<str:code>/", views.village_list, name="village"),
    path("village/<str:code>/request/", views.request_new, name="request-new"),
    path("requests/", views.requests_list, name="requests"),
    path("requests/<int:request_id>/", views.request_page, name="request"),
    path("requests/<int:request_id>/issue/", views.issue, name="issue"),
    path("requests/<int:request_id>/refuse/", views.refuse, name="refuse"),
    path("requests/<int:request_id>/review/", views.review, name="review"),
    path("requests/<int:request_id>/township/", views.ask_township, name="township"),
    path("types/<str:province>/", views.province_types, name="types"),
    path("types/<str:province>/<str:code>/", views.province_type, name="type"),
    path("c/<str:serial>.pdf", views.certificate_pdf, name="pdf"),
    path("c/<str:serial>/revoke/", views.revoke, name="revoke"),
    path("figures/", views.figures_page, name="figures"),
]
