from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new_case, name="new"),
    path("dispatch/", views.bulk_dispatch, name="bulk-dispatch"),
    path("rates/", views.rates_page, name="rates"),
    path("command/", views.command_page, name="command"),
    path("public/<str:code>/", views.public_rates, name="public-rates"),
    path("<str:number>/", views.case_page, name="case"),
    path("<str:number>/act/<str:action>/", views.act, name="act"),
    path("<str:number>/receipt/", views.receipt, name="receipt"),
    path("<str:number>/files/<int:attachment_id>/", views.attachment, name="file"),
]
