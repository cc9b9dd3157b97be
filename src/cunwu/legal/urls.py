from django.urls import path

from . import views

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
]
