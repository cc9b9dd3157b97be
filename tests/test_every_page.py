"""Every page each kind of user can reach, found by following the links from their home page (so a page reachable
only by typing its address is not found here, and no link may lead to an error): each passes axe-core's WCAG 2.1
AA rules in the standard view and in elder mode, and is photographed at 390 px and 1366 px in both modes
(artifacts/screenshots/pages/, to look at and compare with docs/design.md). Run on SQLite only, as the journeys of
test_browser.py are: the pages are the same on PostgreSQL, where every service and path behind them runs."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .test_browser import CHROMIUM, SHOTS, _serious_violations, browser, demo, sign_in_staff, sign_in_villager  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by make test"),
    pytest.mark.once,
]

PAGES = SHOTS / "pages"
SKIP = re.compile(r"^/(api/|static/|media/|speech/|accounts/sign-out|i18n/)|\.(pdf|xlsx|csv|json|png|svg)$")
LIMIT = 9  # distinct pages per person (one page per shape of address: /cases/N/ once)
# The public pages, which the visitor's walk covers; the others walk what is theirs.
PUBLIC = re.compile(r"^/(village/|regions/|notices/village/|legal/village/|certificates/village/|cases/public/|"
                    r"certificates/v/|terminal/)")


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({q.split("=")[0] for q in parts.query.split("&") if q})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP.search(parts.path) or "format=" in parts.query:
            continue
        found.append(href.split("#")[0])
    return found


def _crawl(page, origin: str, name: str) -> list[str]:
    """Breadth first from the home page: every address of a new shape, up to LIMIT; each must answer 200."""
    queue, seen, visited, problems = [origin + "/"], set(), [], []
    while queue and len(visited) < LIMIT:
        url = queue.pop(0)
        shape = _shape(url)
        if shape in seen or name != "visitor" and PUBLIC.match(urlsplit(url).path):
            continue
        seen.add(shape)
        response = page.goto(url)
        if response is None or response.status != 200:
            problems.append(f"{name}: {url} answered {response.status if response else 'nothing'}")
            continue
        visited.append(url)
        queue += [link for link in _links(page, origin) if _shape(link) not in seen]
    assert not problems, "\n".join(problems)
    return visited


def _look(page, url: str, name: str, index: int) -> list[str]:
    found = []
    slug = f"{name}-{index:02d}-" + re.sub(r"[^a-z0-9]+", "-", urlsplit(url).path.lower()).strip("-")[:60]
    for elder in (False, True):
        origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
        page.context.add_cookies([{"name": "cunwu_elder", "value": "1" if elder else "0", "url": origin}])
        page.set_viewport_size({"width": 1366, "height": 900})
        response = page.goto(url)
        if response is None or response.status != 200:
            found.append(f"{url} answered {response.status if response else 'nothing'}")
            continue
        assert page.locator("body.elder").count() == (1 if elder else 0)
        found += [f"{'elder ' if elder else ''}{v}" for v in _serious_violations(page)]
        mode = "elder" if elder else "standard"
        page.screenshot(path=str(PAGES / f"{slug}-{mode}-1366.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(PAGES / f"{slug}-{mode}-390.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 400:
            found.append(f"{mode} {url}: wider than a phone ({width} px)")
    return found


# (a grid worker's pages are the village staff's, narrowed to their grids). Four groups of two, so that the demo
# is built four times rather than once per person, and the groups spread over the test processes.
GROUPS = [("visitor", "villager"), ("village1.staff", "village1.adviser"), ("township1.officer", "lishu.admin"),
          ("lishu.medical_insurance", "village1.mediator")]


def _beyond_the_walk(who: str) -> list[str]:
    """Pages a person reaches deeper than the walk goes, looked at too."""
    if who != "lishu.admin":
        return []
    from cunwu.partners.models import Partner

    hotline = Partner.objects.get(name="12345政务服务便民热线")
    return ["/partners/", f"/partners/{hotline.pk}/", f"/partners/{hotline.pk}/orders/"]


def _page_of(browser, live_server, demo, who: str):  # noqa: F811
    if who == "visitor":
        return browser.new_context(locale="zh-CN").new_page()
    if who == "villager":
        return sign_in_villager(browser, live_server, "13904340000", phone=False)
    return sign_in_staff(browser, live_server, demo, who)


@pytest.mark.parametrize("group", GROUPS, ids=["public", "village", "above", "beside"])
def test_every_page_a_person_reaches_passes_axe_in_both_modes(browser, live_server, demo, group):  # noqa: F811
    PAGES.mkdir(parents=True, exist_ok=True)
    found = []
    for who in group:
        page = _page_of(browser, live_server, demo, who)
        visited = _crawl(page, live_server.url, who)
        assert len(visited) >= 3, (who, visited)
        visited += [live_server.url + path for path in _beyond_the_walk(who)]
        for i, url in enumerate(visited):
            found += _look(page, url, who, i)
        page.context.close()
    assert not found, "\n".join(found)
