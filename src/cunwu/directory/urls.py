from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("village/<str:code>/", views.village_page, name="village"),
    path("village/<str:code>/services/", views.village_services, name="village-services"),
    path("village/<str:code>/services/<str:item>/", views.village_service, name="village-service"),
    path("directory/<str:region>/", views.manage, name="manage"),
    path("directory/<str:region>/draft/", views.open_draft, name="open-draft"),
    path("directory/<str:region>/choose/", views.choose, name="choose"),
    path("directory/<str:region>/remove/", views.remove, name="remove"),
    path("directory/<str:region>/publish/", views.publish, name="publish"),
    path("directory/<str:region>/import/", views.import_xlsx, name="import"),
    path("directory/<str:region>/items/<str:code>/", views.edit_entry, name="edit-entry"),
    path("directory/<str:region>/v<int:number>.xlsx", views.export, name="export"),
]
