from django.urls import path, re_path

from . import views

app_name = "open311"
urlpatterns = [
    path("", views.discovery, {"fmt": "json"}, name="root"),
    re_path(r"^discovery\.(?P<fmt>\w+)$", views.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+)\.(?P<fmt>json|xml)$", views.definition, name="definition"),
    re_path(r"^requests\.(?P<fmt>\w+)$", views.requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+)\.(?P<fmt>json|xml)$", views.one_request, name="request"),
    re_path(r"^tokens/(?P<value>[^/]+)\.(?P<fmt>json|xml)$", views.token, name="token"),
]
