from django.urls import path

from . import terminal, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("notifications/deliveries/", views.deliveries, name="deliveries"),
    path("my-village/", views.choose_village, name="choose-village"),
    path("elder/", views.elder_mode, name="elder"),
    path("speech/", views.speak, name="speech"),
    path("terminal/wipe/", terminal.wipe, name="terminal-wipe"),
    path("terminal/<str:code>/", terminal.home, name="terminal"),
    path("terminal/<str:code>/set-up/", terminal.set_up, name="terminal-set-up"),
    path("terminal/<str:code>/services/<str:item_code>/", terminal.item, name="terminal-item"),
]
