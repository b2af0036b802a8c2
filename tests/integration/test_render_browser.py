"""The static dashboard pages in a real browser: headless Chromium, driven through chromedriver's
W3C WebDriver HTTP API with the standard library (no client package to install).

On the demo warehouse: every page loads with no console or script error, every card of the
definition is drawn at its place, every chart has data marks, and a full-page PNG of each page is
kept in the test's folder (printed, to look at). Needs the Debian packages `chromium` and
`chromium-driver`; without them the test fails and says so — it does not skip.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from publics.dashboards.definitions import discover, load
from publics.dashboards.html.formats import PARIS
from publics.dashboards.html.pages import render, slug

pytestmark = pytest.mark.integration

DASHBOARDS = discover()
CHARTS = {"bar", "combo", "row", "funnel", "line", "area", "pie", "map"}
WIDTH = 1440
INSTALL = "as root, setup/system-packages.sh chromium (apt-get install -y chromium chromium-driver fonts-dejavu-core)"

# What the page shows of each card, measured by the browser's own layout.
CARDS_JS = """
const marksOf = svg => svg ? [...svg.querySelectorAll('.mark')] : [];
return [...document.querySelectorAll('[data-card-id]')].map(el => {
  const r = el.getBoundingClientRect();
  const svg = el.querySelector('svg');
  const marks = marksOf(svg);
  const visible = marks.filter(m => {
    const b = m.getBoundingClientRect();
    return m.tagName === 'path' ? (b.width > 0 || b.height > 0) : (b.width > 0 && b.height > 0);
  });
  return {id: el.dataset.cardId, drawn: el.dataset.drawn, state: el.dataset.state,
          display: el.dataset.display, x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height,
          svg: !!svg, marks: marks.length, visible: visible.length,
          nonzero: marks.filter(m => m.dataset.value && Number(m.dataset.value) !== 0).length,
          scalar: (el.querySelector('.scalar-value') || {}).textContent || null,
          message: (el.querySelector('.message') || {}).textContent || null};
});
"""


class WebDriver:
    """Just what the test needs of the W3C WebDriver protocol, spoken to chromedriver."""

    def __init__(self, chromium: str, chromedriver: str, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = log.open("w")
        self.process = subprocess.Popen([chromedriver, f"--port={self.port}"], stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.session = None
        deadline = time.monotonic() + 20
        while True:
            try:
                if self._call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.close()
                pytest.fail(f"chromedriver did not answer on port {self.port} (log: {log})")
            time.sleep(0.1)
        options = {"binary": chromium, "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={WIDTH},1000"]}
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options,
                        "goog:loggingPrefs": {"browser": "ALL"}}
        self.session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.load(response)["value"]
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"WebDriver {method} {path}: {exc.code} {exc.read()[:500]!r}") from None

    def do(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def open(self, path: Path) -> None:
        self.console()  # forget the previous page's entries
        self.do("POST", "/url", {"url": path.resolve().as_uri()})

    def run(self, script: str):
        return self.do("POST", "/execute/sync", {"script": script, "args": []})

    def console(self) -> list[dict]:
        """The browser log since the last call (console errors, uncaught exceptions, failed loads)."""
        return self.do("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path: Path) -> None:
        """The whole page, beyond the window (Chromium's DevTools command, through chromedriver)."""
        shot = self.do("POST", "/goog/cdp/execute", {"cmd": "Page.captureScreenshot", "params": {
            "format": "png", "captureBeyondViewport": True}})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            if self.session:
                self.do("DELETE", "")
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.fail(f"headless Chromium is needed to test the dashboard pages: {INSTALL} "
                    f"(found chromium={chromium}, chromedriver={chromedriver})")
    t0 = time.monotonic()
    driver = WebDriver(chromium, chromedriver, tmp_path_factory.mktemp("chromedriver") / "chromedriver.log")
    print(f"\nbrowser session started in {time.monotonic() - t0:.1f} s")
    yield driver
    driver.close()


@pytest.fixture(scope="module")
def pages(browser, demo_warehouse, tmp_path_factory):
    """The demo's warehouse (the marts built) rendered into a folder: {dashboard id: page}."""
    out = tmp_path_factory.mktemp("render")
    t0 = time.monotonic()
    result, module_db = demo_warehouse.result, demo_warehouse.info
    # The marts must be built; a card with no rows (which `publics dashboards check` reports as
    # a failure) is what the pages must draw as a message rather than crash on.
    assert "✔ build" in result.out, result
    t1 = time.monotonic()
    at = dt.datetime(2025, 1, 6, 9, 0, tzinfo=PARIS)
    paths = render(module_db, out / "html", generated_at=at)
    t2 = time.monotonic()
    print(f"\ndemo warehouse built in {t1 - t0:.1f} s; {len(paths)} page(s) rendered in {t2 - t1:.2f} s "
          f"into {out / 'html'}")
    assert [p.name for p in paths] == [f"{d.id:02d}_{slug(d)}.html" for d in DASHBOARDS] + ["index.html"]
    again = render(module_db, out / "again", generated_at=at)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths], "rendering is not deterministic"
    return {d.id: p for d, p in zip(DASHBOARDS, paths)} | {"index": paths[-1]}


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=lambda d: f"{d.id:02d}_{slug(d)}")
def test_page_draws_every_card_without_errors(dashboard, pages, browser) -> None:
    page = pages[dashboard.id]
    t0 = time.monotonic()
    browser.open(page)
    assert browser.run("return document.readyState") == "complete"
    assert browser.run("return document.documentElement.lang") == "fr"
    assert browser.run("return document.title").startswith(dashboard.title)
    cards = browser.run(CARDS_JS)
    errors = [e for e in browser.console() if e["level"] == "SEVERE"]
    assert errors == [], f"{page.name}: console errors {errors}"

    by_id = {c["id"]: c for c in cards}
    assert sorted(by_id) == sorted(c["id"] for c in dashboard.cards), "cards drawn ≠ cards defined"
    assert len(cards) == len(by_id), "a card is drawn twice"
    for c in cards:
        assert c["drawn"] == "true", c
        assert c["w"] > 50 and c["h"] > 50, f"card {c['id']} has no room: {c}"
    for a in cards:  # the grid is honoured: no two cards overlap on the page
        for b in cards:
            if a["id"] < b["id"]:
                apart = (a["x"] + a["w"] <= b["x"] + 1 or b["x"] + b["w"] <= a["x"] + 1
                         or a["y"] + a["h"] <= b["y"] + 1 or b["y"] + b["h"] <= a["y"] + 1)
                assert apart, f"cards {a['id']} and {b['id']} overlap"
    for card in dashboard.cards:  # and the order: a card further right on the grid is further right
        for other in dashboard.cards:
            if card["position"]["row"] == other["position"]["row"] and card["position"]["col"] < other["position"]["col"]:
                assert by_id[card["id"]]["x"] < by_id[other["id"]]["x"]
    for c in cards:
        if c["state"] != "ok":
            assert c["message"], f"card {c['id']} is {c['state']} without a message"
        elif c["display"] in CHARTS:
            assert c["svg"] and c["marks"] > 0, f"chart {c['id']} has no marks: {c}"
            assert c["visible"] > 0 or c["nonzero"] == 0, f"chart {c['id']}'s marks are invisible: {c}"
        elif c["display"] == "scalar":
            assert c["scalar"] and c["scalar"].strip(), c

    height = browser.run("return document.documentElement.scrollHeight")
    shot = page.with_suffix(".png")
    browser.screenshot(shot)
    width, shot_height = png_size(shot)
    assert width == WIDTH and shot_height >= height - 2, (width, shot_height, height)
    assert shot.stat().st_size > 30_000, "the screenshot is nearly blank"
    states = {s: sum(1 for c in cards if c["state"] == s) for s in ("ok", "empty", "error")}
    charts = sum(1 for c in cards if c["display"] in CHARTS and c["state"] == "ok")
    print(f"\n{page.name}: {len(cards)} card(s) {states}, {charts} chart(s) with marks, "
          f"checked in {time.monotonic() - t0:.2f} s; screenshot {shot} ({shot.stat().st_size // 1024} KB)")


def test_index_links_every_page(pages, browser) -> None:
    browser.open(pages["index"])
    links = browser.run("return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    assert [e for e in browser.console() if e["level"] == "SEVERE"] == []
    assert links == [pages[d.id].name for d in DASHBOARDS]
    browser.screenshot(pages["index"].with_suffix(".png"))
    assert pages["index"].with_suffix(".png").stat().st_size > 10_000


FAULTY = """
id: 98
slug: essai_pannes
title: Essai — une carte en panne
canvas: {objective: Vérifier, audience: [Data], kpis: [Recette], sources: [SecuTix], filters: [Période],
         refresh: Jamais}
dataset: marts.dash_15_sales_channels
filters:
  - {id: period, label: Période, type: date, column: sale_date}
cards:
  - id: broken
    title: Carte en panne
    display: bar
    position: {row: 0, col: 0, size_x: 12, size_y: 6}
    columns: [x]
    query: select x from marts.no_such_table
  - id: revenue
    title: Recette de la période
    display: scalar
    position: {row: 0, col: 12, size_x: 12, size_y: 6}
    columns: [recette_eur]
    query: |
      select sum(revenue_eur) as recette_eur from {dataset} where true [[and {{period}}]]
"""


def test_failing_query_is_a_message_and_values_apply(pages, browser, demo_warehouse, tmp_path) -> None:
    module_db = demo_warehouse.info
    definition = tmp_path / "98_essai_pannes.yml"
    definition.write_text(FAULTY, encoding="utf-8")
    period = (dt.date(2000, 1, 1), dt.date(2000, 12, 31))  # before the demo's seasons: no sales
    page, _ = render(module_db, tmp_path / "html", [load(definition)], {"period": period})
    browser.open(page)
    cards = {c["id"]: c for c in browser.run(CARDS_JS)}
    assert [e for e in browser.console() if e["level"] == "SEVERE"] == []
    assert cards["broken"]["state"] == "error" and "a échoué" in cards["broken"]["message"]
    assert cards["revenue"]["state"] == "empty" and "Aucune donnée" in cards["revenue"]["message"]
    text = browser.run("return document.body.innerText")
    assert "du 01/01/2000 au 31/12/2000" in text  # the filter as applied, in the canvas and on the card


def test_the_console_check_sees_script_errors_and_requests(browser, tmp_path) -> None:
    """The check above is not vacuous: a thrown error, and any request the pages' policy forbids,
    are SEVERE entries."""
    page = tmp_path / "broken.html"
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    page.write_text(f'<html><head><meta http-equiv="Content-Security-Policy" content="{policy}"></head>'
                    '<body><img src="https://example.org/logo.png"><script>throw new Error("x")</script>'
                    "</body></html>", encoding="utf-8")
    browser.open(page)
    severe = [e["message"] for e in browser.console() if e["level"] == "SEVERE"]
    assert any("logo.png" in m for m in severe), severe
    assert any("script" in m.lower() for m in severe), severe


# Every table's last column, as the browser lays it out: `reach` scrolls each table's frame to
# its right end first (on screen a wide table scrolls inside its card, it is never cut).
TABLES_JS = """
const reach = arguments[0];
return [...document.querySelectorAll('[data-card-id] table')].map(t => {
  const card = t.closest('[data-card-id]'), wrap = t.closest('.table-wrap');
  if (reach) wrap.scrollLeft = wrap.scrollWidth;
  const ths = t.querySelectorAll('thead th'), last = ths[ths.length - 1].getBoundingClientRect();
  const w = wrap.getBoundingClientRect(), c = card.getBoundingClientRect();
  return {id: card.dataset.cardId, columns: ths.length, overflow: getComputedStyle(wrap).overflowX,
          scroll: wrap.scrollWidth, client: wrap.clientWidth, last_left: last.left, last_right: last.right,
          wrap_left: w.left, wrap_right: w.right, card_right: c.right, page: document.documentElement.clientWidth};
});
"""


def test_a_wide_table_is_never_cut_on_screen_nor_printed(pages, browser) -> None:
    """Issue 14: the static pages cut wide tables. On screen a table wider than its card scrolls
    in it (its last column reachable); printed (print media, an A4 landscape width) every column
    is inside the page and nothing is left hidden."""
    page = pages[2]  # dashboard 2: the campaigns table has 14 columns, the widest
    browser.open(page)
    tables = browser.run(TABLES_JS.replace("arguments[0]", "true"))
    widest = max(tables, key=lambda t: t["columns"])
    assert widest["id"] == "campaigns" and widest["columns"] == 14, widest
    for t in tables:
        if t["scroll"] > t["client"] + 1:  # wider than its card: it scrolls, and its end is reached
            assert t["overflow"] in ("auto", "scroll"), t
        assert t["last_left"] >= t["wrap_left"] - 1 and t["last_right"] <= t["wrap_right"] + 1, t
    try:
        browser.do("POST", "/goog/cdp/execute", {"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})
        browser.do("POST", "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": 1047, "height": 740, "deviceScaleFactor": 1, "mobile": False}})  # A4 landscape, 10 mm margins
        for name in (pages[2], pages[18], pages[3]):
            browser.open(name)
            for t in browser.run(TABLES_JS.replace("arguments[0]", "false")):
                assert t["scroll"] <= t["client"] + 1, f"{name.name}: table {t['id']} is cut when printed: {t}"
                assert t["last_right"] <= t["page"] + 1 and t["last_right"] <= t["card_right"] + 1, (name.name, t)
    finally:
        browser.do("POST", "/goog/cdp/execute", {"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}})
        browser.do("POST", "/goog/cdp/execute", {"cmd": "Emulation.clearDeviceMetricsOverride", "params": {}})


def test_rate_cards_show_their_base_on_the_demo(pages, browser) -> None:
    """Issue 14, « done when »: on the demo every scalar card of a rate shows its base beside it."""
    from publics import kpis

    library = kpis.library()
    shown = 0
    for d in DASHBOARDS:
        browser.open(pages[d.id])
        notes = browser.run("return Object.fromEntries([...document.querySelectorAll('[data-card-id]')].map("
                            "el => [el.dataset.cardId, [el.dataset.state, "
                            "[...el.querySelectorAll('.scalar-note')].map(n => n.textContent)]]))")
        rates = [c for c in d.cards if c["display"] == "scalar" and any(library[k].is_rate for k in c["kpis"])]
        for card in rates:
            state, texts = notes[card["id"]]
            assert state == "ok" and any(n.startswith("sur ") for n in texts), (d.id, card["id"], state, texts)
        shown += len(rates)
    assert shown >= 6  # dashboards 1, 2, 3 (two), 15, 18
