from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("notices/village/<str:code>/", views.board, name="board"),
    path("notices/village/<str:code>/archive/", views.archive, name="archive"),
    path("notices/village/<str:code>/new/", views.publish, name="publish"),
    path("notices/village/<str:code>/office/", views.office, name="office"),
    path("notices/due/", views.due, name="due"),
    path("notices/<int:notice_id>/", views.notice, name="notice"),
    path("notices/<int:notice_id>/correct/", views.correct, name="correct"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/new/", views.warning_new, name="warning_new"),
    path("warnings/<int:warning_id>/", views.warning_page, name="warning"),
    path("warnings/<int:warning_id>/<str:step>/", views.warning_step, name="warning_step"),
]
