"""The access page in a real browser (Debian's Chromium through Playwright), from file://."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from jumpgate.report.access_page import render_access_page

from .access_data import XSS, sample_data, synthetic_data
from .conftest import ARTIFACTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def open_page(page: Page, tmp_path: Path, data: dict[str, Any], name: str = "access.html") -> str:
    target = tmp_path / name
    target.write_text(render_access_page(data), encoding="utf-8")
    url = target.as_uri()
    page.goto(url)
    page.wait_for_selector("html[data-ready]", timeout=10_000)
    return url


def wait_until(page: Page, expression: str, timeout: float = 5.0) -> None:
    """Poll `expression` in the page (wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(20)


def row_names(page: Page) -> list[str]:
    names = page.eval_on_selector_all(
        "#jg-tbl tbody button.person", "bs => bs.map(b => b.querySelector('.nm').textContent)"
    )
    return cast(list[str], names)


def column_names(page: Page) -> list[str]:
    names = page.eval_on_selector_all("#jg-tbl thead .an", "es => es.map(e => e.textContent)")
    return cast(list[str], names)


def cell(page: Page, person: str, account: str) -> str:
    """The text of one matrix cell."""
    text = page.evaluate(
        """([person, account]) => {
            const row = [...document.querySelectorAll('#jg-tbl tbody tr')].find(
                (tr) => tr.querySelector('.nm')?.textContent === person);
            const col = [...document.querySelectorAll('#jg-tbl thead th.ah')].find(
                (th) => th.querySelector('.an').textContent === account);
            const idx = col.getAttribute('aria-colindex');
            return row.querySelector(`td[aria-colindex="${idx}"]`).textContent;
        }""",
        [person, account],
    )
    return cast(str, text)


def test_matrix_legend_badges_and_deploy_order(page: Page, tmp_path: Path) -> None:
    url = open_page(page, tmp_path, sample_data())
    assert url.startswith("file://")
    assert page.inner_text("#jg-status") == ("Showing 4 of 4 people × 7 of 7 accounts · 11 paths")
    assert row_names(page) == ["alice", "bob", "carol", XSS]
    # grouped by team, environments in deploy order (dev, sandbox, staging, prod), not a-z
    assert column_names(page) == [
        "crm-dev", "crm-sandbox", "crm-staging", "crm-prod", "data-dev", "data-prod", "web-prod",
    ]  # fmt: skip
    strict = page.eval_on_selector_all("th.ah.strict .an", "es => es.map(e => e.textContent)")
    assert strict == ["crm-prod", "data-prod", "web-prod"]
    legend = page.inner_text("#jg-legend")
    for text in ("ADM", "admin", "PWR", "poweruser", "RO", "readonly", "crm/exports", "expired"):
        assert text in legend
    # the first level in org order shows, +1 for the second path, the soonest expiry as a badge
    assert cell(page, "alice", "crm-prod") == "ADM+132d"
    assert cell(page, "alice", "crm-staging") == "EXP6d"
    assert cell(page, "bob", "crm-prod") == "ROexp"
    assert cell(page, "alice", "data-dev") == ""
    classes = page.get_attribute("#jg-tbl tbody tr:first-child td.c", "class") or ""
    assert re.search(r"\blv0\b", classes)  # admin's colour on alice's crm-dev cell
    background = page.eval_on_selector("#jg-tbl td.lv0", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(213, 94, 0)"  # Okabe-Ito vermillion
    ARTIFACTS.mkdir(exist_ok=True)
    page.focus("#jg-tbl button.person")
    page.screenshot(path=str(ARTIFACTS / "access-page.png"), full_page=True)


def test_filter_by_team_environment_and_level(page: Page, tmp_path: Path) -> None:
    open_page(page, tmp_path, sample_data())
    page.select_option("#f-team", "crm")
    assert row_names(page) == ["alice", "bob"]
    assert page.inner_text("#jg-status").startswith("Showing 2 of 4 people")
    # crm's accounts first, then what its members reach elsewhere
    assert column_names(page) == [
        "crm-dev", "crm-sandbox", "crm-staging", "crm-prod", "data-dev", "data-prod",
    ]  # fmt: skip
    page.select_option("#f-env", "prod")
    assert column_names(page) == ["crm-prod", "data-prod"]
    assert row_names(page) == ["alice", "bob"]
    page.select_option("#f-team", "")
    page.select_option("#f-level", "readonly")
    assert row_names(page) == ["alice", "bob", XSS]
    assert column_names(page) == ["crm-prod", "data-prod", "web-prod"]
    assert page.inner_text("#jg-status") == "Showing 3 of 4 people × 3 of 7 accounts · 4 paths"
    page.click("#f-clear")
    wait_until(page, "document.querySelector('#jg-status').textContent.includes('11 paths')")
    assert len(row_names(page)) == 4


def test_search_matches_exactly(page: Page, tmp_path: Path) -> None:
    open_page(page, tmp_path, sample_data())
    page.fill("#f-q", "alice")
    page.press("#f-q", "Enter")
    assert row_names(page) == ["alice"]
    assert column_names(page) == ["crm-dev", "crm-staging", "crm-prod"]
    page.fill("#f-q", "Carol Diaz")
    page.press("#f-q", "Enter")
    assert row_names(page) == ["carol"]
    page.fill("#f-q", "555555555555")  # an account id: all people, that column
    page.press("#f-q", "Enter")
    assert column_names(page) == ["data-prod"]
    assert len(row_names(page)) == 4
    page.fill("#f-q", "no such thing")
    page.press("#f-q", "Enter")
    assert page.inner_text("#jg-status") == "Showing 4 of 4 people × 7 of 7 accounts · 11 paths"


def test_person_view_lists_exactly_that_persons_paths(page: Page, tmp_path: Path) -> None:
    data = sample_data()
    open_page(page, tmp_path, data)
    page.click("#jg-tbl button.person >> nth=0")
    page.wait_for_selector("#jg-dt[data-kind=person]")
    assert page.url.endswith("#person=alice")
    rows = page.eval_on_selector_all(
        "#jg-dt tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.innerText))"
    )
    rows = [[" ".join(text.split()) for text in row] for row in rows]
    expected = [p for p in data["paths"] if p["person"] == "alice"]
    assert len(rows) == len(expected) == 4
    assert {r[6] for r in rows} == {p["role_arn"] for p in expected}
    prod = [r for r in rows if r[0] == "crm-prod" and r[4].endswith("admin")]
    assert prod == [[
        "crm-prod", "222222222222", "PROD (strict)", "crm", "ADM admin", "jumpgate-admin",
        "arn:aws:iam::222222222222:role/jumpgate/jumpgate-admin",
        "expires in 32 days 2026-12-31", "INC-4711 data migration", "teams/crm.yaml:41",
    ]]  # fmt: skip
    assert page.evaluate("document.activeElement.id") == "jg-dh"
    page.click("#jg-back")
    page.wait_for_selector("#jg-matrix:not([hidden])")
    assert len(row_names(page)) == 4


def test_account_view_from_the_account_box(page: Page, tmp_path: Path) -> None:
    open_page(page, tmp_path, sample_data())
    page.fill("#f-account", "crm-prod")
    page.press("#f-account", "Enter")
    page.wait_for_selector("#jg-dt[data-kind=account]")
    rows = page.eval_on_selector_all(
        "#jg-dt tbody tr", "trs => trs.map(tr => [tr.cells[0].innerText, tr.cells[3].innerText])"
    )
    assert rows == [["alice", "ADM admin"], ["alice", "RO readonly"], ["bob", "RO readonly"]]
    assert "reached by 2 people through 3 paths" in page.inner_text("#jg-detail")
    assert "expired 9 days ago" in page.inner_text("#jg-detail")


def test_hostile_strings_stay_text(page: Page, tmp_path: Path) -> None:
    data = sample_data()
    html = render_access_page(data)
    embedded = html.split('id="jg-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in embedded and ">" not in embedded
    assert json.loads(embedded)["people"][3][0] == XSS
    open_page(page, tmp_path, data)
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.evaluate("window.__xss === undefined")
    names = page.eval_on_selector_all("#jg-tbl .rh .dn", "es => es.map(e => e.textContent)")
    assert "</script><script>alert(2)</script>" in names
    assert XSS in row_names(page)
    page.click("#jg-tbl button.person >> nth=3")
    page.wait_for_selector("#jg-dt[data-kind=person]")
    assert page.inner_text("#jg-dh") == f"</script><script>alert(2)</script> ({XSS})"
    assert "</script><script>alert(3)</script>" in page.inner_text("#jg-dt")
    assert page.evaluate("document.querySelectorAll('img, b').length") == 0


def test_keyboard_only(page: Page, tmp_path: Path) -> None:
    open_page(page, tmp_path, sample_data())
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-team":
            break
    assert page.evaluate("document.activeElement.id") == "f-team"
    # the focused control is visibly marked, and labelled
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    assert page.evaluate("document.activeElement.labels[0].textContent") == "Team"
    page.keyboard.press("ArrowDown")  # "All teams" -> "crm"
    wait_until(page, "document.querySelector('#f-team').value === 'crm'")
    assert row_names(page) == ["alice", "bob"]
    # Tab on to the first person in the matrix; Enter opens the person view
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('person')"):
            break
    assert page.evaluate("document.activeElement.textContent") == "Alice Martin alice"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Bob Li bob"
    page.keyboard.press("Space")
    page.wait_for_selector("#jg-dt[data-kind=person]")
    assert page.url.endswith("#person=bob")
    assert page.evaluate("document.activeElement.id") == "jg-dh"  # focus moves to the view
    page.keyboard.press("Tab")  # the first account in bob's list
    assert page.evaluate("document.activeElement.textContent") == "crm-dev"
    page.keyboard.press("Enter")
    page.wait_for_selector("#jg-dt[data-kind=account]")
    assert page.url.endswith("#account=crm-dev")


def test_print_shows_the_full_table_without_controls(page: Page, tmp_path: Path) -> None:
    open_page(page, tmp_path, sample_data())
    page.emulate_media(media="print")
    wait_until(page, "document.querySelectorAll('#jg-print tbody tr').length === 4")
    assert page.is_hidden("#jg-controls")
    assert page.is_hidden("#jg-vp")
    assert page.is_visible("#jg-legend")
    assert page.is_visible("#jg-print table")
    assert "ADM" in page.inner_text("#jg-print")


def test_xl_organization_opens_fast_and_stays_usable(page: Page, tmp_path: Path) -> None:
    data = synthetic_data()  # 5,000 people x 1,000 accounts
    assert len(data["people"]) == 5000 and len(data["accounts"]) == 1000
    assert len(data["paths"]) > 55_000
    started = time.perf_counter()
    open_page(page, tmp_path, data)
    wall = time.perf_counter() - started
    ready_ms = int(page.get_attribute("html", "data-ready-ms") or "0")
    assert ready_ms < 2000, f"usable after {ready_ms} ms"
    assert wall < 4, f"goto + ready took {wall:.2f}s"
    # large: aggregated by team, only what is visible is in the DOM
    assert page.get_attribute("#m-teams", "aria-pressed") == "true"
    status = page.inner_text("#jg-status")
    assert status.startswith("Showing 100 teams (5,000 people) × 1,000 of 1,000 accounts")
    assert page.evaluate("document.querySelectorAll('*').length") < 3000
    assert page.get_attribute("#jg-tbl", "aria-rowcount") == "102"
    # scroll to the end: the last team is rendered
    page.eval_on_selector("#jg-vp", "e => { e.scrollTop = e.scrollHeight; }")
    wait_until(
        page,
        "[...document.querySelectorAll('button.team .dn')].some(e => e.textContent === 'team099')",
    )
    # drill down into a team: exactly its members
    page.eval_on_selector("#jg-vp", "e => { e.scrollTop = 0; }")
    page.click("button.team[data-t='3']")
    members = sum(1 for p in data["people"] if "team003" in p["teams"])
    assert page.inner_text("#jg-status").startswith(f"Showing {members} of 5,000 people")
    assert column_names(page)[0].startswith("team003-")
    # search one person among 5,000
    page.select_option("#f-team", "")
    page.fill("#f-q", "user042x017")
    page.press("#f-q", "Enter")
    assert row_names(page) == ["user042x017"]
    page.click("#jg-tbl button.person")
    page.wait_for_selector("#jg-dt[data-kind=person]")
    expected = sum(1 for p in data["paths"] if p["person"] == "user042x017")
    assert page.locator("#jg-dt tbody tr").count() == expected
    page.click("#jg-back")
    page.click("#m-people")
    page.fill("#f-q", "")
    page.press("#f-q", "Enter")
    assert page.inner_text("#jg-status").startswith("Showing 5,000 of 5,000 people")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "access-page-xl.png"))
