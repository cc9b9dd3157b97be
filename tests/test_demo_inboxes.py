"""`make run`'s demo: every official it prints sign-in details for opens an inbox as their home page, and the demo's
walk leaves work waiting for each of them (the village, the township, the called department, the adviser, the
mediator, the justice bureau and the county)."""

import pytest

from cunwu.accounts.models import Assignment, User
from cunwu.audit.context import Actor
from cunwu.web import inbox
from cunwu.web.demo import build_demo

WAITING_FOR = ("village1.staff", "village1.grid", "township1.officer", "lishu.civil_affairs", "village1.adviser",
               "village1.mediator", "lishu.justice", "lishu.admin", "lishu.supervisor")


@pytest.mark.django_db
def test_every_demo_person_has_an_inbox_with_what_waits_for_them(client):
    accounts = build_demo()
    empty = []
    for account in accounts:
        user = (User.objects.get(phone=account.username) if account.role == "villager"  # known by their phone
                else User.objects.get(username=account.username))
        client.force_login(user)
        home = client.get("/")
        assert home.status_code == 200, account.username
        if account.role == "villager":  # a villager's home is their own requests and services, not work
            continue
        sections = inbox.sections_for(Actor(user=user), Assignment.objects.filter(user=user).first())
        assert sections, f"{account.username} has no inbox"
        assert sections[0].title in home.content.decode(), account.username
        if account.username in WAITING_FOR and not any(s.count for s in sections):
            empty.append(account.username)
    assert not empty, f"nothing waits for {empty} after the demo's walk"
    assert {a.username for a in accounts} >= set(WAITING_FOR)
