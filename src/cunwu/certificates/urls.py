from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("keys.json", views.published_keys, name="keys"),
    path("v/<str:token>", views.verify_page, name="verify"),
]
