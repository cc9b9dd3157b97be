from django.urls import path

from . import views

app_name = "burden"
urlpatterns = [
    path("requests/", views.requests_list, name="requests"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/review/", views.request_review, name="review"),
    path("requests/<int:request_id>/decide/", views.request_decide, name="decide"),
    path("requests/<int:request_id>/consent/", views.request_consent, name="consent"),
    path("requests/<int:request_id>/withdraw/", views.request_withdraw, name="withdraw"),
    path("village/<str:code>/", views.village_registry, name="village"),
    path("village/<str:code>/report/", views.report_demand, name="report"),
    path("village/<str:code>/plaques/", views.record_plaque, name="plaque"),
    path("village/<str:code>/plaques/down/", views.take_down_plaque, name="plaque_down"),
    path("reports/", views.reports_queue, name="reports"),
    path("reports/<int:report_id>/resolve/", views.resolve_report, name="resolve"),
    path("index/", views.burden_index, name="index"),
    path("lists/<str:county>/", views.county_lists, name="lists"),
    path("lists/<str:county>/duties/", views.add_duty, name="duty_add"),
    path("lists/<str:county>/duties/end/", views.end_duty, name="duty_end"),
    path("lists/<str:county>/caps/", views.set_caps, name="caps"),
    path("plaques/<str:province>/", views.plaque_standard, name="plaques"),
    path("forms/<str:county>/<int:year>/", views.forms_list, name="forms"),
    path("forms/<int:entry_id>/return/", views.form_return, name="form_return"),
    path("forms/<int:entry_id>/define/", views.form_define, name="form_define"),
]
