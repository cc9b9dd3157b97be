"""Every page each kind of user can reach, found by following the links from their home page (so a page reachable
only by typing its address is not found here, and no link may lead to an error): each passes axe-core's WCAG 2.1
AA rules in the standard view and in elder mode, fits a 390 px phone in both, and is photographed in the standard
view at 1366 px and in elder mode at 390 px (artifacts/screenshots/pages/, to look at and compare with
docs/design.md). Run on SQLite only, as the journeys of test_browser.py are: the pages are the same on PostgreSQL,
where every service and path behind them runs."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from .test_browser import CHROMIUM, SHOTS, _serious_violations, browser, demo, sign_in_staff, sign_in_villager  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by make test"),
    pytest.mark.once,
]

PAGES = SHOTS / "pages"
SKIP = re.compile(r"^/(api/|static/|media/|speech/|accounts/sign-out|i18n/)|\.(pdf|xlsx|csv|json|png|svg)$")
LIMIT = 200  # a guard against a walk that never ends; no person reaches this many kinds of page
# The public pages, which the visitor's walk covers; the others walk what is theirs.
PUBLIC = re.compile(r"^/(village/|regions/|notices/village/|legal/village/|certificates/village/|cases/public/|"
                    r"certificates/v/|terminal/|national/)")


def _shape(url: str) -> str:
    """The kind of page an address shows: its path with numbers as N (/cases/N-N-N/ once, whichever case), the
    query left out (a list filtered is the same page). A region's pages keep the length of the code, since a
    province, a county and a village each have a page of their own."""
    path = urlsplit(url).path
    if path.startswith(("/regions/", "/village/")):
        return re.sub(r"\d+", lambda m: f"N{len(m.group())}", path)
    return re.sub(r"\d+", "N", path)


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP.search(parts.path) or "format=" in parts.query:
            continue
        found.append(href.split("#")[0])
    return found


def _open(page, url: str, elder: bool):
    """The page in one mode, or None for a file (a template, an export) rather than a page."""
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    page.context.add_cookies([{"name": "cunwu_elder", "value": "1" if elder else "0", "url": origin}])
    page.set_viewport_size({"width": 1366, "height": 900})
    try:
        return page.goto(url)
    except PlaywrightError as exc:
        if "Download is starting" in str(exc):
            return None
        raise


# The element that sticks out furthest on the right, outside any scrolling box: what makes the page too wide.
WIDEST = """() => {
  let worst = null, right = document.documentElement.clientWidth;
  for (const el of document.body.querySelectorAll("*")) {
    let box = el.parentElement, inside = false;
    for (; box && box !== document.body; box = box.parentElement) {
      const o = getComputedStyle(box).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { inside = true; break; }
    }
    const r = el.getBoundingClientRect().right;
    if (!inside && r > right) { right = r; worst = el; }
  }
  return worst ? worst.tagName.toLowerCase() + (worst.className ? "." + worst.className : "") + " "
    + (worst.textContent || "").trim().slice(0, 40) : "";
}"""


def _look(page, url: str, name: str, index: int) -> tuple[list[str], list[str] | None]:
    """The page in the standard view then in elder mode: axe, the two photographs, the width on a phone. Returns
    what was found and the page's links (None when the address is a file)."""
    found, links = [], []
    slug = f"{name}-{index:02d}-" + re.sub(r"[^a-z0-9]+", "-", urlsplit(url).path.lower()).strip("-")[:60]
    for elder in (False, True):
        response = _open(page, url, elder)
        if response is None:
            return [], None
        if response.status != 200:
            return [f"{name}: {url} answered {response.status}"], []
        assert page.locator("body.elder").count() == (1 if elder else 0)
        if not elder:
            links = _links(page, "{0.scheme}://{0.netloc}".format(urlsplit(url)))
        found += [f"{'elder ' if elder else ''}{v}" for v in _serious_violations(page)]
        mode = "elder" if elder else "standard"
        # Photographed as each mode is mostly used: the standard view on a desktop, elder mode on a phone (a long
        # page at full length can take a while on a loaded machine).
        if not elder:
            page.screenshot(path=str(PAGES / f"{slug}-{mode}-1366.jpg"), full_page=True, type="jpeg", quality=70,
                            timeout=90_000)
        page.set_viewport_size({"width": 390, "height": 844})
        if elder:
            page.screenshot(path=str(PAGES / f"{slug}-{mode}-390.jpg"), full_page=True, type="jpeg", quality=70,
                            timeout=90_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 400:
            found.append(f"{mode} {url}: wider than a phone ({width} px): {page.evaluate(WIDEST)}")
    return found, links


def _walk(page, origin: str, name: str) -> tuple[int, list[str]]:
    """Breadth first from the home page, every address of a new shape looked at (each must answer 200); the
    number of pages and what was found on them."""
    starts = [origin + "/", origin + "/national/"] if name == "visitor" else [origin + "/"]  # (typed, not linked)
    queue, seen, found, pages = starts, set(), [], 0
    while queue and pages < LIMIT:
        url = queue.pop(0)
        shape = _shape(url)
        if shape in seen or name != "visitor" and PUBLIC.match(urlsplit(url).path):
            continue
        seen.add(shape)
        problems, links = _look(page, url, name, pages)
        if links is None:
            continue
        pages += 1
        found += problems
        queue += [link for link in links if _shape(link) not in seen]
    assert pages < LIMIT, f"{name}: the walk did not end"
    return pages, found


# (a grid worker's pages are the village staff's, narrowed to their grids). Four groups, each about as long to
# walk, so that the demo is built four times rather than once per person and the groups spread evenly over the
# test processes (the county administrator's figures and command pages are the slowest to look at).
GROUPS = [("lishu.admin",), ("village1.staff", "village1.mediator"), ("township1.officer", "village1.adviser"),
          ("visitor", "lishu.medical_insurance", "villager")]


def _page_of(browser, live_server, demo, who: str):  # noqa: F811
    if who == "visitor":
        return browser.new_context(locale="zh-CN").new_page()
    if who == "villager":
        return sign_in_villager(browser, live_server, "13904340000", phone=False)
    return sign_in_staff(browser, live_server, demo, who)


@pytest.mark.parametrize("group", GROUPS, ids=["county", "village", "township", "public"])
def test_every_page_a_person_reaches_passes_axe_in_both_modes(browser, live_server, demo, group):  # noqa: F811
    PAGES.mkdir(parents=True, exist_ok=True)
    found = []
    for who in group:
        page = _page_of(browser, live_server, demo, who)
        pages, problems = _walk(page, live_server.url, who)
        assert pages >= 5, (who, pages)
        found += problems
        page.context.close()
    assert not found, "\n".join(found)
