from django.urls import path

from . import views, views_files

app_name = "legal"
urlpatterns = [
    path("village/<str:code>/", views.village_page, name="village"),
    path("village/<str:code>/ask/", views.ask, name="ask"),
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/<int:consultation_id>/", views.consultation, name="consultation"),
    path("consultations/<int:consultation_id>/answer/", views.answer, name="answer"),
    path("consultations/<int:consultation_id>/publish/", views.publish, name="publish"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("knowledge/<int:article_id>/", views.article, name="article"),
    path("coverage/", views.coverage, name="coverage"),
    path("files/", views_files.files, name="files"),
    path("aid/limits/", views_files.priority_limits, name="priority_limits"),
    path("aid/new/", views_files.aid_new, name="aid_new"),
    path("aid/collaborations/", views_files.collaborations, name="collaborations"),
    path("aid/collaborations/<int:row_id>/", views_files.collaboration_page, name="collaboration"),
    path("aid/collaborations/<int:row_id>/<str:step>/", views_files.collaboration_step, name="collaboration_step"),
    path("aid/<int:application_id>/", views_files.aid_page, name="aid"),
    path("aid/<int:application_id>/<str:step>/", views_files.aid_step, name="aid_step"),
    path("screening/new/", views_files.screening_new, name="screening_new"),
    path("mediation/new/", views_files.mediation_new, name="mediation_new"),
    path("mediation/apply/", views_files.mediation_apply, name="mediation_apply"),
    path("mediation/<int:case_id>/", views_files.mediation_page, name="mediation"),
    path("mediation/<int:case_id>/agreement.pdf", views_files.agreement_pdf, name="agreement_pdf"),
    path("mediation/<int:case_id>/<str:step>/", views_files.mediation_step, name="mediation_step"),
    path("scans/<int:scan_id>/", views_files.scan, name="scan"),
    path("demonstration/", views_files.demonstration, name="demonstration"),
    path("publicity/", views_files.publicity_new, name="publicity_new"),
    path("figures/", views_files.figures, name="figures"),
]
