from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("villager/", views.villager_sign_in, name="villager-sign-in"),
    path("villager/code/", views.villager_verify, name="villager-verify"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/second-factor/", views.totp_step, name="totp"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("outbox/", views.outbox, name="outbox"),
    path("tokens/", views.tokens, name="tokens"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_new, name="person-new"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/reveal/", views.person_reveal, name="person-reveal"),
    path("people/<int:person_id>/grant/", views.person_grant, name="person-grant"),
    path("assignments/<int:assignment_id>/revoke/", views.assignment_revoke, name="assignment-revoke"),
]
