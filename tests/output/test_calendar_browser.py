"""The printable calendar, rendered by a real headless browser.

``tests/browser_setup.py`` (run by ``make test``) installs Debian's
Chromium and poppler-utils when it can. Here Chromium prints the page to
PDF on A4 and on Letter, and the checks read the printed result: the paper
size, the page count, the text on the pages (``pdftotext``), and, from the
DOM after layout, that nothing is wider than the printable width.

Under CI (``CI=true``) a missing browser is a failure; elsewhere the tests
skip with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dosecalc import api
from dosecalc.output.html import calendar_html

CHROMIUM = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser") if shutil.which(name)), None
)
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _require(tool: str | None, name: str) -> str:
    if tool:
        return tool
    message = f"{name} is not installed (tests/browser_setup.py installs it as root with apt-get)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    browser = _require(CHROMIUM, "chromium")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def print_to_pdf(tmp_path: Path, html: str, name: str) -> Path:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / f"{name}.pdf"
    result = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.is_file() and pdf.stat().st_size > 0, result.stderr[-2000:]
    return pdf


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(
        [_require(PDFINFO, "pdfinfo (poppler-utils)"), str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def pdf_pages_text(pdf: Path, pages: int) -> list[str]:
    tool = _require(PDFTOTEXT, "pdftotext (poppler-utils)")
    return [
        subprocess.run(
            [tool, "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]


@pytest.fixture(scope="module")
def ac_th_report():
    # A 52-week course with flagged holidays (France 2016: Easter Monday 28 Mar, Whit Monday 16 May).
    return api.calendar_course("ac-th", "2016-01-04", height="165 cm", weight="62 kg", country="FR")


# Paper size in PostScript points (1/72 inch): A4 is 210 x 297 mm, Letter 8.5 x 11 in.
PAPER_POINTS = {"a4": (595.0, 842.0), "letter": (612.0, 792.0)}


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_printed_calendar_on_paper(tmp_path, ac_th_report, paper):
    pdf = print_to_pdf(tmp_path, calendar_html(ac_th_report, paper=paper), paper)
    info = pdf_info(pdf)
    width, height = (float(x) for x in re.findall(r"[\d.]+", info["Page size"])[:2])
    expected = PAPER_POINTS[paper]
    assert abs(width - expected[0]) < 1.5 and abs(height - expected[1]) < 1.5, info["Page size"]
    pages = int(info["Pages"])
    # 15 month grids, 46 administrations (AC 4 x 2, TH 12 x 2, H 14), summary, policy and sources: a few pages, not one, not dozens.
    assert 2 <= pages <= 8, pages
    texts = pdf_pages_text(pdf, pages)
    everything = "\n".join(texts)
    assert (
        "Treatment calendar" in texts[0] and "Name:" in texts[0] and "Hospital number:" in texts[0]
    )
    for month in ("January 2016", "February 2016", "December 2016", "January 2017", "March 2017"):
        assert everything.count(month) == 1, month
    # Each month grid stays whole on one page: its title and its last row are on the same page.
    page_with = {
        month: next(i for i, t in enumerate(texts) if month in t)
        for month in ("February 2016", "March 2017")
    }
    assert re.search(r"\b29\b", texts[page_with["February 2016"]])
    # Every administration's row is printed, the last one included, with its dose.
    administration_row = r"^\s*20\d\d-\d\d-\d\d\s+\w{3}\s+[A-Z]+\s+\d+\s+\d+\s+[a-z]"
    assert len(re.findall(administration_row, everything, flags=re.M)) == 46
    # Premedication rows too: weekly paclitaxel x 12, four entries each (Taxol label: oral or IV
    # dexamethasone, diphenhydramine, an H2 blocker), and the trastuzumab loading observation.
    assert (
        len(
            re.findall(
                r"^\s*20\d\d-\d\d-\d\d\s+\w{3}\s+TH \d+\s+premedication", everything, flags=re.M
            )
        )
        == 48
    )
    assert "sha256" in everything  # the provenance record in the footer
    assert re.search(
        r"2017-03-20\s+Mon\s+H\s+14\s+1\s+trastuzumab\s+372 mg\s+maintenance", everything
    )
    assert re.search(r"2016-03-28\s+Mon\s+TH\s+1\s+1\s+trastuzumab\s+248 mg\s+loading", everything)
    assert "240 mg/m² (404 mg)" in everything
    assert "Policy: standard" in everything and "[herceptin-pi]" in everything
    # The dose table's header repeats on each page it runs over.
    header_pages = [i for i, t in enumerate(texts) if re.search(r"Date\s+Day\s+Phase\s+Cycle", t)]
    rows_pages = [i for i, t in enumerate(texts) if re.search(administration_row, t, flags=re.M)]
    assert header_pages == rows_pages
    supportive_header = [
        i for i, t in enumerate(texts) if re.search(r"Date\s+Day\s+Cycle\s+Purpose", t)
    ]
    supportive_rows = [
        i
        for i, t in enumerate(texts)
        if re.search(r"^\s*20\d\d-\d\d-\d\d\s+\w{3}\s+[A-Z]+ \d+\s+[a-z]", t, flags=re.M)
    ]
    assert supportive_header == supportive_rows


def test_nothing_is_wider_than_the_printable_width(tmp_path, ac_th_report):
    # Lay the page out at the printable width of A4 (210 mm - 2 x 12 mm = 186 mm = 703 CSS px)
    # and let a probe script record whether anything overflows; --dump-dom returns the DOM after it ran.
    html = calendar_html(ac_th_report, paper="a4")
    probe = (
        "<script>window.addEventListener('load', function () {"
        "var w = document.documentElement.clientWidth, worst = 0;"
        "document.querySelectorAll('body *').forEach(function (e) { var r = e.getBoundingClientRect(); if (r.right > worst) worst = r.right; });"
        "document.body.setAttribute('data-probe', w + ':' + Math.ceil(worst) + ':' + document.documentElement.scrollWidth);"
        "});</script>"
    )
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
    result = chromium(
        tmp_path,
        "--window-size=703,1000",
        "--virtual-time-budget=2000",
        "--dump-dom",
        page.as_uri(),
    )
    found = re.search(r'data-probe="(\d+):(\d+):(\d+)"', result.stdout)
    assert found, result.stderr[-2000:]
    client, rightmost, scroll = (int(x) for x in found.groups())
    assert rightmost <= client and scroll <= client, (client, rightmost, scroll)
