"""Fixtures for the access-page tests: Debian's Chromium driven by Playwright (no download)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("JUMPGATE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: needs headless Chromium and Playwright (deselect: -m 'not browser')"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, or a failure naming `make setup` (never a silent skip)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright for Python is not installed: run `make setup` "
            "(or deselect browser tests with -m 'not browser')",
            pytrace=False,
        )
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` or tools/install-browser "
            "(Debian's chromium), or deselect browser tests with -m 'not browser'",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails on any script error, dialog or non-file request."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    tab.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    tab.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(("file://", "data:", "about:"))
            else errors.append(f"request: {request.url}")
        ),
    )
    yield tab
    context.close()
    assert errors == []
