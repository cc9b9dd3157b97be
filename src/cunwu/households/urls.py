from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("village/<str:code>/", views.village, name="village"),
    path("village/<str:code>/new/", views.new_household, name="new"),
    path("village/<str:code>/grids/", views.grids, name="grids"),
    path("village/<str:code>/import/", views.ledger_import, name="import"),
    path("village/<str:code>/import/<int:job_id>/", views.import_job, name="import_job"),
    path("<int:household_id>/", views.household, name="household"),
    path("<int:household_id>/<str:step>/", views.household_step, name="household_step"),
    path("people/<int:resident_id>/", views.person, name="person"),
    path("people/<int:resident_id>/<str:step>/", views.person_step, name="person_step"),
    path("labels/<int:label_id>/end/", views.end_label, name="end_label"),
    path("visits/", views.due, name="due"),
    path("visits/record/", views.record_visit, name="record_visit"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("coverage/", views.coverage, name="coverage"),
    path("rules/<str:county>/", views.rules, name="rules"),
    path("sharing/", views.sharing_list, name="sharing"),
    path("sharing/<int:request_id>/", views.sharing_request, name="sharing_request"),
    path("sharing/<int:request_id>/export.xlsx", views.sharing_export, name="sharing_export"),
]
