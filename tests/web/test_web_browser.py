"""The web page in a real headless Chromium, used the way a pharmacist uses it.

Playwright drives Debian's Chromium (installed by tests/browser_setup.py; no
browser is downloaded). The server is a real uvicorn on 127.0.0.1 and a free
port. Expected doses and dates are worked out here by hand. axe-core (from
npm, also installed by browser_setup.py) checks accessibility. Under CI
(``CI=true``) a missing browser or axe-core is a failure; elsewhere the tests
skip with the reason.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import locations
import pytest
from playwright import sync_api as playwright_api
from web_server import running_server

from dosecalc.web.app import create_app

ROOT = locations.ROOT
CHROMIUM = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser") if shutil.which(name)), None
)
AXE = ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server(create_app()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        _missing("chromium is not installed (tests/browser_setup.py installs it as root)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # No JavaScript: every core flow must work with forms and server pages alone.
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def dose_cell(page: Any, drug: str, kind: str) -> str:
    row = (
        page.locator("table.doses tbody tr")
        .filter(has=page.locator("td.c-drug", has_text=re.compile(f"^{drug}$")))
        .filter(has=page.locator("td.c-kind", has_text=re.compile(f"^{kind}$")))
    )
    return str(row.first.locator("td.c-final").inner_text())


def fill_seed_patient(page: Any) -> None:
    page.get_by_label("Regimen", exact=True).fill("thp")
    page.get_by_label("Height").fill("165 cm")
    page.get_by_label("Weight", exact=True).fill("62 kg")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Age (years)").fill("40")


def test_dose_form_for_the_seed_patient(page: Any, base_url: str) -> None:
    page.goto(base_url + "/dose")
    fill_seed_patient(page)
    page.get_by_role("button", name="Calculate").click()
    page.wait_for_selector("table.doses")
    docetaxel = math.floor(75 * math.sqrt(165 * 62 / 3600) + 0.5)  # Mosteller BSA 1.6857 m²
    assert docetaxel == 126
    assert dose_cell(page, "docetaxel", "standard") == "126 mg"
    assert dose_cell(page, "trastuzumab", "loading") == f"{8 * 62} mg"  # 496 mg
    assert dose_cell(page, "trastuzumab", "maintenance") == f"{6 * 62} mg"  # 372 mg
    assert dose_cell(page, "pertuzumab", "loading") == "840 mg"
    assert dose_cell(page, "pertuzumab", "maintenance") == "420 mg"
    # The derivation is one click away.
    summary = page.locator("summary", has_text="docetaxel 126 mg").first
    details = summary.locator("xpath=..")
    assert not details.locator("ol").is_visible()
    summary.click()
    assert "BSA mosteller" in details.locator("ol").inner_text()
    # The address is the calculation: opening it again gives the same page.
    shared = page.url
    assert "height=165+cm" in shared and "weight=62+kg" in shared
    page.goto(shared)
    assert dose_cell(page, "docetaxel", "standard") == "126 mg"


def test_weight_refusal_is_next_to_the_weight_field(page: Any, base_url: str) -> None:
    page.goto(base_url + "/dose")
    fill_seed_patient(page)
    page.get_by_label("Weight", exact=True).fill("6.2 kg")
    page.get_by_role("button", name="Calculate").click()
    weight = page.get_by_label("Weight", exact=True)
    error = page.locator("#weight-error")
    assert error.inner_text().startswith(
        "Error: weight 6.2 kg is outside the adult range 30-300 kg"
    )
    assert weight.get_attribute("aria-invalid") == "true"
    assert "weight-error" in (weight.get_attribute("aria-describedby") or "").split()
    # Next to it: in the same field group, right below the input.
    group = weight.locator("xpath=ancestor::div[contains(@class, 'field')][1]")
    assert group.locator("#weight-error").count() == 1
    field_box, error_box = weight.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 80
    assert page.locator("[role=alert]").count() == 1
    assert page.locator("table.doses").count() == 0  # no dose shown on a refused input


def test_thp_calendar_from_the_case_start(page: Any, base_url: str) -> None:
    page.goto(base_url + "/calendar")
    page.get_by_label("Regimen", exact=True).fill("thp")
    page.get_by_label("Start date").fill("2016-01-19")
    page.get_by_label("Cycles", exact=True).fill("8")
    page.get_by_role("button", name="Show the calendar").click()
    page.wait_for_selector("table.calendar-list")
    # Course cycle 3 starts two 21-day cycles after 19 January 2016: 1 March 2016.
    dates = {
        cells[0]
        for cells in (
            row.locator("td").all_inner_texts()
            for row in page.locator("table.calendar-list tbody tr").all()
        )
        if cells[4] == "3" and cells[5] == "1"
    }
    assert dates == {"2016-03-01"}
    page.get_by_role("link", name="month").click()
    assert page.locator("caption", has_text="March 2016").count() == 1


def test_ics_download_parses(page: Any, base_url: str) -> None:
    import icalendar

    page.goto(base_url + "/calendar?regimen=thp&start=2016-01-19&cycles=8")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="ICS (calendar)").click()
    download = download_info.value
    assert download.suggested_filename == "dosecalc-calendar-thp-2016-01-19.ics"
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    starts = sorted(
        event.decoded("dtstart")
        for event in calendar.walk("VEVENT")
        if str(event.get("summary", "")).startswith("Treatment:")
    )
    assert len(starts) == 8  # one event per treatment day (premedication has its own)
    assert [d.isoformat() for d in starts[:3]] == ["2016-01-19", "2016-02-09", "2016-03-01"]


def test_check_pasted_seed_report_shows_the_frequency_error(page: Any, base_url: str) -> None:
    page.goto(base_url + "/check")
    text = (ROOT / "seeds" / "case-report.fr.txt").read_text(encoding="utf-8")
    page.get_by_label("Clinical text").fill(text)
    page.get_by_role("button", name="Check").click()
    first = page.locator("table.findings tbody tr").first
    assert first.locator("td").first.inner_text() == "ERROR"
    frequency = page.locator("table.findings tbody tr", has_text="FREQUENCY_IMPLAUSIBLE")
    assert frequency.count() >= 1
    assert "trois fois par semaine" in frequency.first.inner_text()
    assert "Herceptin" in frequency.first.inner_text()  # its source
    assert page.locator("ol.read mark", has_text="trois fois par semaine").count() >= 1


def test_printable_calendar_prints_to_pdf(browser: Any, base_url: str, tmp_path: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(
        base_url
        + "/calendar/print?regimen=thp&start=2016-01-19&cycles=8&height=165+cm&weight=62+kg"
    )
    pdf = tmp_path / "calendar.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    context.close()
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        _missing("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2016-03-01" in text and "496 mg" in text


def test_keyboard_alone_reaches_and_submits_the_form(page: Any, base_url: str) -> None:
    page.goto(base_url + "/dose")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-regimen":
            break
    assert page.evaluate("document.activeElement.id") == "f-regimen"
    page.keyboard.type("thp")
    page.keyboard.press("Tab")
    page.keyboard.type("165 cm")
    page.keyboard.press("Tab")
    page.keyboard.type("62 kg")
    page.keyboard.press("Enter")
    page.wait_for_selector("table.doses")
    assert dose_cell(page, "trastuzumab", "loading") == "496 mg"


def test_readable_at_200_percent_zoom(browser: Any, base_url: str) -> None:
    # A 1280-pixel screen at 200% zoom lays the page out 640 CSS pixels wide.
    context = browser.new_context(viewport={"width": 640, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    for path in (
        "/dose?regimen=thp&height=165+cm&weight=62+kg",
        "/calendar?regimen=thp&start=2016-01-19&cycles=8&view=month",
        "/regimens/thp",
    ):
        page.goto(base_url + path)
        # Wide tables scroll inside their own region; the page never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/dose?regimen=thp&height=165+cm&weight=62+kg&sex=female&age=40",
        "/dose?regimen=thp&height=165+cm&weight=6.2+kg",
        "/calendar?regimen=thp&start=2016-01-19&cycles=8",
        "/calendar?regimen=thp&start=2016-01-19&cycles=8&view=month",
        "/check",
        "/regimens",
        "/regimens/thp",
    ],
)
def test_no_serious_accessibility_violation(browser: Any, base_url: str, path: str) -> None:
    if not AXE.is_file():
        _missing("axe-core is not installed (tests/browser_setup.py installs it with npm)")
    # The page's policy forbids scripts; the check injects axe-core past it.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(base_url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
