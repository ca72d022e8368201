"""Benchmark: opening the access page of an XL organization in headless Chromium, next to a floor.

A script, not a test. It synthesizes XL-shaped data (5,000 people x 1,000 accounts, about
60,000 paths; tests/report/access_data.py), writes the page to a temporary folder, then opens
it N times in Debian's Chromium through Playwright, each time in a fresh browser context (no
cache), and measures the time to first usable render: from `page.goto` until the page's script
has set `<html data-ready>` (the matrix is drawn and the controls work). The floor is an empty
HTML page opened the same way in the same run (until its load event), interleaved with the
XL runs so that both see the same machine. It prints both medians and their ratio, plus the
page's own clock (`data-ready-ms`, from navigation start) and the file size.

    .venv/bin/python benchmarks/bench_access_page.py [--runs 5] [--teams 100 --people-per-team 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from jumpgate.report.access_page import render_access_page  # noqa: E402
from report.access_data import synthetic_data  # noqa: E402
from report.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

EMPTY = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>floor</title></head>'
    "<body></body></html>\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--people-per-team", type=int, default=50)
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright for Python is not installed: run `make setup`", file=sys.stderr)
        return 2
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM}: run `make setup`", file=sys.stderr)
        return 2

    started = time.perf_counter()
    data = synthetic_data(args.teams, args.people_per_team)
    generated = time.perf_counter()
    page_html = render_access_page(data)
    rendered = time.perf_counter()
    print(
        f"data: {len(data['people']):,} people x {len(data['accounts']):,} accounts, "
        f"{len(data['paths']):,} paths (synthesized in {generated - started:.2f}s)"
    )
    print(
        f"render_access_page: {rendered - generated:.2f}s, "
        f"{len(page_html.encode('utf-8')) / 1e6:.1f} MB of HTML"
    )

    xl_wall: list[float] = []
    xl_ready: list[float] = []
    floor_wall: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-access-page-") as folder:
        xl_file = Path(folder) / "access.html"
        xl_file.write_text(page_html, encoding="utf-8")
        empty_file = Path(folder) / "empty.html"
        empty_file.write_text(EMPTY, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for run in range(args.runs + 1):  # run 0 warms the browser up and is not counted
                for which in ("floor", "xl") if run % 2 else ("xl", "floor"):
                    context = browser.new_context(viewport={"width": 1300, "height": 900})
                    page = context.new_page()
                    url = (xl_file if which == "xl" else empty_file).as_uri()
                    t0 = time.perf_counter()
                    page.goto(url)
                    if which == "xl":
                        page.wait_for_selector("html[data-ready]", timeout=30_000)
                    wall = time.perf_counter() - t0
                    if run and which == "xl":
                        xl_wall.append(wall)
                        xl_ready.append(float(page.get_attribute("html", "data-ready-ms") or 0))
                    elif run:
                        floor_wall.append(wall)
                    context.close()
            browser.close()

    xl = statistics.median(xl_wall)
    floor = statistics.median(floor_wall)
    print(f"runs: {args.runs} (plus one warm-up), fresh browser context each")
    print(f"floor (empty page, until load):     median {floor * 1000:7.0f} ms")
    print(f"XL access page, until data-ready:   median {xl * 1000:7.0f} ms")
    print(f"  page's own clock to data-ready:   median {statistics.median(xl_ready):7.0f} ms")
    print(f"ratio XL / floor: {xl / floor:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
