"""``dosecalc serve``: the web page's pages, refusals, hostile input and
headers, through Starlette's test client and a real uvicorn server.

Expected doses are worked out here by hand (Mosteller BSA, mg/kg times the
weight), never read back from the engine.
"""

from __future__ import annotations

import gc
import html
import json
import math
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import locations
import pytest
from regimen_factory import one_drug_phase, write_regimen
from starlette.testclient import TestClient
from web_server import running_server

from dosecalc.cli import entry_point
from dosecalc.errors import DataFileError, DosecalcError, InputError
from dosecalc.patient import make_patient
from dosecalc.regimen import load_regimen_file
from dosecalc.web import app as web
from dosecalc.web import server

SEEDS = locations.ROOT / "seeds"
SEED_PATIENT = {"height": "165 cm", "weight": "62 kg", "sex": "female", "age": "40"}
PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&"
RAW_MARKERS = ("<script>alert", "<img src=x")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(web.create_app())


def final_doses(page: str) -> list[tuple[str, str, str]]:
    """(drug, kind, final) of every row of the dose table."""
    rows = re.findall(r"<tr>\s*(.*?)</tr>", page.split('<table class="doses">')[1], re.DOTALL)
    out = []
    for row in rows:
        cells = [html.unescape(c) for c in re.findall(r'<td class="c-[a-z]+">(.*?)</td>', row)]
        if cells:
            out.append((cells[2], cells[3], cells[7]))
    return out


# -- the field an error concerns ---------------------------------------------------


def test_an_error_names_the_option_its_message_starts_with() -> None:
    assert InputError("--delay '3=x': write CYCLE=DAYS").field == "delay"
    assert InputError("--phase-cycles 'x': write PHASE=N").field == "phase-cycles"
    assert InputError("height is missing", field="height").field == "height"
    assert DosecalcError("no option named here").field is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"height": "165 cm", "weight": "6.2 kg"}, "weight"),
        ({"height": "1.65 kg", "weight": "62 kg"}, "height"),
        ({"height": "65", "weight": "62 kg"}, "height"),
        ({"height": "165 cm", "weight": "62 kg", "sex": "x"}, "sex"),
        ({"height": "165 cm", "weight": "62 kg", "age": "forty"}, "age"),
        ({"height": "165 cm", "weight": "62 kg", "scr": "0.8"}, "scr"),
    ],
)
def test_patient_refusals_name_their_field(values: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        make_patient(**values)
    assert caught.value.field == field


# -- pages -----------------------------------------------------------------------


def test_dose_page_of_the_seed_patient(client: TestClient) -> None:
    page = client.get("/dose?" + urlencode({"regimen": "thp", **SEED_PATIENT})).text
    bsa = math.sqrt(165 * 62 / 3600)  # Mosteller
    docetaxel = round(75 * bsa)  # 126.4 mg, to the nearest 1 mg
    doses = final_doses(page)
    assert ("docetaxel", "standard", f"{docetaxel} mg") in doses
    assert ("trastuzumab", "loading", f"{8 * 62} mg") in doses
    assert ("trastuzumab", "maintenance", f"{6 * 62} mg") in doses
    assert ("pertuzumab", "loading", "840 mg") in doses
    assert ("pertuzumab", "maintenance", "420 mg") in doses
    # Each derivation one click away, without script.
    assert page.count("<details>") == len(doses)
    assert "Policy: standard" in page and "perjeta-pi" in page


def test_refusal_is_the_cli_message_next_to_its_field(client: TestClient) -> None:
    response = client.get(
        "/dose?" + urlencode({"regimen": "thp", "height": "165 cm", "weight": "6.2 kg"})
    )
    assert response.status_code == 422
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "dosecalc",
            "dose",
            "thp",
            "--height",
            "165 cm",
            "--weight",
            "6.2 kg",
        ],
        capture_output=True,
        text=True,
    )
    message = cli.stderr.strip()
    assert message.startswith("Error: weight 6.2 kg is outside the adult range")
    page = response.text
    weight_field = (
        page.split('id="f-weight"')[0].rsplit('<div class="field', 1)[1]
        + page.split('id="f-weight"')[1].split("</div>")[0]
    )
    assert (
        f'<p class="field-error" id="weight-error">{html.escape(message, quote=False)}</p>'
        in weight_field.replace("&#39;", "'")
    )
    assert 'aria-describedby="weight-hint weight-error"' in weight_field
    assert 'aria-invalid="true"' in weight_field
    assert 'role="alert"' in page


def test_an_error_without_a_form_field_is_shown_at_the_top(client: TestClient) -> None:
    page = client.get(
        "/dose?" + urlencode({"regimen": "thp", "height": "230 cm", "weight": "300 kg"})
    ).text
    # BSA 4.38 m2 is out of range: it comes from two fields, so from neither.
    assert "Error: BSA" in page and "field-error" not in page


def test_calendar_page_downloads_and_print(client: TestClient) -> None:
    query = urlencode({"regimen": "thp", "start": "2016-01-19", "cycles": "8"})
    page = client.get("/calendar?" + query).text
    # Cycle 3 starts 42 days (two 21-day cycles) after 19 January 2016: 1 March.
    assert re.search(
        r"<td>2016-03-01</td><td>Tue</td><td>THP</td>\s*<td>3</td><td>3</td><td>1</td>", page
    )
    month = client.get("/calendar?" + query + "&view=month").text
    assert "March 2016" in month
    ics = client.get("/calendar.ics?" + query)
    assert ics.headers["content-type"].startswith("text/calendar")
    assert 'filename="dosecalc-calendar-thp-2016-01-19.ics"' in ics.headers["content-disposition"]
    assert "DTSTART;VALUE=DATE:20160301" in ics.text
    import csv

    lines = client.get("/calendar.csv?" + query).text.splitlines()
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    treatments = [row for row in rows if row["category"] == "treatment"]
    # Day 1 of 6 THP cycles (3 drugs) and of 2 HP cycles (2 drugs).
    assert len(treatments) == 6 * 3 + 2 * 2
    data = json.loads(client.get("/calendar.json?" + query).text)
    assert data["regimen"]["id"] == "thp"
    printed = client.get("/calendar/print?" + query + "&paper=letter")
    assert "size: letter" in printed.text
    style = re.search(r"<style>(.*?)</style>", printed.text, re.DOTALL).group(1)  # type: ignore[union-attr]
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in printed.headers["content-security-policy"]
    assert "unsafe-inline" not in printed.headers["content-security-policy"]


def test_check_page_paste_and_upload(client: TestClient) -> None:
    text = (SEEDS / "case-report.fr.txt").read_text(encoding="utf-8")
    pasted = client.post("/check", data={"text": text}).text
    uploaded = client.post(
        "/check", files={"file": ("case-report.fr.txt", text.encode(), "text/plain")}
    ).text
    for page in (pasted, uploaded):
        assert "FREQUENCY_IMPLAUSIBLE" in page
        severities = re.findall(r'<tr class="sev-(\w+)">', page)
        assert severities == sorted(severities, key=["error", "warning", "info"].index)
        assert severities[0] == "error"
        assert "trois fois par semaine" in page  # what was read, with its source text
    case = client.post(
        "/check",
        files={
            "file": ("case-report.yaml", (SEEDS / "case-report.yaml").read_bytes(), "text/yaml")
        },
    ).text
    assert "error(s)" in case and "dosecalc-" not in case  # no temporary path shown


def test_regimens_pages(client: TestClient) -> None:
    listing = client.get("/regimens?q=metastatic").text
    assert 'href="/regimens/thp"' in listing and 'href="/regimens/ac-th"' not in listing
    thp = client.get("/regimens/thp").text
    assert "Phase THP" in thp and "840 mg loading, then 420 mg" in thp
    assert 'href="https://dailymed.nlm.nih.gov/' in thp


# -- hostile input -----------------------------------------------------------------


def _assert_escaped(page: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in page


@pytest.mark.parametrize("field", [f.name for f in web.DOSE_FIELDS])
def test_markup_in_every_dose_field_is_escaped(client: TestClient, field: str) -> None:
    values = {"regimen": "thp", **SEED_PATIENT, field: PAYLOAD}
    _assert_escaped(client.get("/dose?" + urlencode(values)).text)


@pytest.mark.parametrize("field", [f.name for f in web.CALENDAR_FIELDS] + ["view"])
def test_markup_in_every_calendar_field_is_escaped(client: TestClient, field: str) -> None:
    values = {"regimen": "thp", "start": "2016-01-19", "cycles": "2", field: PAYLOAD}
    _assert_escaped(client.get("/calendar?" + urlencode(values)).text)
    # A download is data, not a page: JSON may carry the text as given, so it
    # must never be rendered by the browser.
    download = client.get("/calendar.json?" + urlencode(values))
    if download.status_code == 200:
        assert download.headers["content-type"] == "application/json"
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-disposition"].startswith("attachment;")
    else:
        _assert_escaped(download.text)


@pytest.mark.parametrize("field", ["text", "height", "weight", "policy", "accept-implausible"])
def test_markup_in_every_check_field_is_escaped(client: TestClient, field: str) -> None:
    values = {"text": "Docetaxel 75 mg/m2 every 3 weeks", field: PAYLOAD}
    _assert_escaped(client.post("/check", data=values).text)
    _assert_escaped(client.get("/check?" + urlencode(values)).text)
    upload = client.post(
        "/check", files={"file": (PAYLOAD + ".txt", PAYLOAD.encode(), "text/plain")}
    )
    _assert_escaped(upload.text)


#: A web address whose query would close the link and open a script if printed raw.
SOURCE_URL = 'https://example.org/?q="><script>alert(1)</script>'


def test_markup_in_a_regimen_file_is_escaped(tmp_path: Path) -> None:
    write_regimen(
        tmp_path,
        "evil",
        one_drug_phase("docetaxel", "bsa", "75 mg/m2"),
        name=json.dumps(PAYLOAD),
    )
    text = (
        (tmp_path / "evil.yaml")
        .read_text()
        .replace(
            "citation: Test fixture, not a clinical source",
            "citation: Test fixture, not a clinical source\n    url: " + json.dumps(SOURCE_URL),
        )
    )
    (tmp_path / "evil.yaml").write_text(text)
    client = TestClient(web.create_app(regimen_dirs=(str(tmp_path),)))
    for url in ("/regimens", "/regimens/evil", "/dose?regimen=evil&height=165&weight=62"):
        page = client.get(url).text
        _assert_escaped(page)
        assert "<script>" not in page
    assert client.get("/regimens/evil").status_code == 200


def test_a_source_link_that_is_not_a_web_address_never_reaches_a_page(tmp_path: Path) -> None:
    # A javascript: link is refused when the regimen is read, before any page.
    write_regimen(tmp_path, "evil", one_drug_phase("docetaxel", "bsa", "75 mg/m2"))
    text = (tmp_path / "evil.yaml").read_text()
    (tmp_path / "evil.yaml").write_text(
        text.replace(
            "citation: Test fixture, not a clinical source",
            "citation: Test fixture, not a clinical source\n    url: javascript:alert(1)",
        )
    )
    with pytest.raises(DataFileError, match=r"url: expected an http\(s\) address"):
        load_regimen_file(tmp_path / "evil.yaml")


def test_regimens_search_is_escaped(client: TestClient) -> None:
    _assert_escaped(client.get("/regimens?" + urlencode({"q": PAYLOAD})).text)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd", "thp/../../x"]
)
def test_path_like_regimen_ids_are_refused(client: TestClient, name: str) -> None:
    page = client.get("/dose?" + urlencode({"regimen": name, **SEED_PATIENT}))
    assert page.status_code == 422
    assert f"Error: no regimen &#39;{html.escape(name, quote=False)}&#39;" in page.text
    assert 'id="regimen-error"' in page.text
    assert "root:" not in page.text
    shown = client.get("/regimens/" + name.replace("/", "%2F"))
    assert shown.status_code == 404 and "root:" not in shown.text


def test_a_policy_file_path_is_refused(client: TestClient, tmp_path: Path) -> None:
    standard = locations.ROOT / "policies" / "standard.yaml"
    policy = tmp_path / "mine.yaml"
    shutil.copy(standard, policy)
    page = client.get(
        "/dose?" + urlencode({"regimen": "thp", **SEED_PATIENT, "policy": str(policy)})
    )
    assert page.status_code == 422
    assert 'id="policy-error"' in page.text and "Error: no policy" in page.text


def test_oversized_upload_is_refused_with_a_clear_message(client: TestClient) -> None:
    big = b"Docetaxel 75 mg/m2. " * (web.MAX_UPLOAD_BYTES // 10)
    response = client.post("/check", files={"file": ("big.txt", big, "text/plain")})
    assert response.status_code == 413
    assert "Error: the upload is larger than 256 kB" in response.text
    assert 'id="file-error"' in response.text


def test_non_utf8_file_is_refused_by_name(client: TestClient) -> None:
    latin1 = "Docétaxel 75 mg/m² toutes les 3 semaines".encode("latin-1")
    page = client.post("/check", files={"file": ("note.txt", latin1, "text/plain")}).text
    assert "Error: cannot read &#39;note.txt&#39;" in page and "utf-8" in page
    assert "dosecalc-" not in page  # never the temporary folder


def test_yaml_bomb_is_refused(client: TestClient) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    page = client.post("/check", files={"file": ("bomb.yaml", bomb.encode(), "text/yaml")}).text
    assert "anchors and aliases are not allowed" in page
    assert "bomb.yaml" in page and "dosecalc-" not in page


def test_uploads_leave_nothing_behind(client: TestClient) -> None:
    folder = web._memory_dir() or tempfile.gettempdir()
    before = set(Path(folder).glob("dosecalc-*"))
    client.post("/check", files={"file": ("case.txt", b"Docetaxel 75 mg/m2", "text/plain")})
    client.post("/check", files={"file": ("bad.txt", b"\xff\xfe", "text/plain")})
    assert set(Path(folder).glob("dosecalc-*")) == before


def test_over_long_values_are_refused(client: TestClient) -> None:
    page = client.get(
        "/dose?" + urlencode({"regimen": "thp", **SEED_PATIENT, "weight": "6" * 1000})
    ).text
    assert 'id="weight-error"' in page and "longer than 300 characters" in page


# -- headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/dose",
        "/dose?regimen=thp&height=165&weight=62",
        "/dose?regimen=x",
        "/static/style.css",
        "/nowhere",
        "/calendar.ics?regimen=thp&start=2016-01-19&cycles=1",
    ],
)
def test_security_headers_on_every_response(client: TestClient, url: str) -> None:
    headers = client.get(url).headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "script-src" not in csp  # so no script at all runs (default-src 'none')
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


# -- a real server ---------------------------------------------------------------------


def test_fifty_concurrent_requests_all_answered_correctly() -> None:
    weights = list(range(50, 100))  # 50 different patients, one request each

    def fetch(base: str, weight: int) -> tuple[int, str]:
        url = (
            base
            + "/dose?"
            + urlencode({"regimen": "thp", "height": "165 cm", "weight": f"{weight} kg"})
        )
        with urllib.request.urlopen(url, timeout=60) as response:
            return weight, response.read().decode()

    with running_server(web.create_app()) as base, ThreadPoolExecutor(max_workers=50) as pool:
        pages = list(pool.map(lambda w: fetch(base, w), weights))
    assert len(pages) == 50
    for weight, page in pages:
        doses = final_doses(page)
        assert ("trastuzumab", "loading", f"{8 * weight} mg") in doses
        assert ("trastuzumab", "maintenance", f"{6 * weight} mg") in doses
        bsa = math.sqrt(165 * weight / 3600)
        assert ("docetaxel", "standard", f"{math.floor(75 * bsa + 0.5)} mg") in doses


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_command_binds_locally_and_logs_no_query() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dosecalc", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/dose?regimen=thp&height=165&weight=62&sex=female"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "dosecalc serve did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"serving http://127.0.0.1:{port}/" in output
    assert "reachable from this computer only" in output
    assert "weight=62" not in output and "GET /dose" not in output


def test_serve_collects_garbage_cycles_while_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # The dosecalc command pauses the cycle collector for a one-shot command's
    # start-up; a server, which runs for hours, must have it back on.
    collecting = []
    monkeypatch.setattr(server, "serve", lambda *args: collecting.append(gc.isenabled()))
    monkeypatch.setattr(sys, "argv", ["dosecalc", "serve"])
    gc.disable()
    try:
        with pytest.raises(SystemExit) as stopped:
            entry_point()
    finally:
        gc.enable()
    assert stopped.value.code == 0
    assert collecting == [True]


def test_other_commands_do_not_import_the_web_framework() -> None:
    code = (
        "import sys; from dosecalc.cli import main; "
        "main(['dose', 'thp', '--height', '165', '--weight', '62']); "
        "print(sorted(m for m in sys.modules if m.startswith("
        "('starlette', 'uvicorn', 'multipart', 'python_multipart', 'anyio', 'dosecalc.web'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_an_unexpected_failure_is_one_line_without_the_patients_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(self: object, values: dict[str, str]) -> None:
        raise RuntimeError(f"weight {values['weight']} broke it")

    monkeypatch.setattr(web.Web, "dose_report", broken)
    monkeypatch.delenv("DOSECALC_DEBUG", raising=False)
    client = TestClient(web.create_app(), raise_server_exceptions=False)
    response = client.get("/dose?" + urlencode({"regimen": "thp", **SEED_PATIENT}))
    assert response.status_code == 500
    assert "Traceback" not in response.text and "62 kg" not in response.text
    assert response.headers["cache-control"] == "no-store"
    logged = capsys.readouterr().err
    assert logged.strip() == "dosecalc: internal error (RuntimeError); please report it"


def test_a_draft_regimen_is_refused_at_its_checkbox_then_shown_with_its_banner(
    tmp_path: Path,
) -> None:
    path = write_regimen(tmp_path, "trial", one_drug_phase("docetaxel", "bsa", "75 mg/m2"))
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "status: reviewed\nlast_reviewed: 2026-11-01\nreviewed_by: test fixture\n",
            "status: draft\n",
        ),
        encoding="utf-8",
    )
    client = TestClient(web.create_app(regimen_dirs=(str(tmp_path),)))
    values = {"regimen": "trial", "height": "165 cm", "weight": "62 kg"}
    refused = client.get("/dose?" + urlencode(values))
    assert refused.status_code == 422
    assert 'id="allow-draft-error"' in refused.text and "is a draft, not reviewed" in refused.text
    shown = client.get("/dose?" + urlencode(values | {"allow-draft": "1"})).text
    assert '<p class="banner" role="alert">DRAFT REGIMEN: trial version 1' in shown
    # 75 mg/m2 x Mosteller BSA of 165 cm and 62 kg, to the nearest 1 mg.
    assert ("docetaxel", "standard", f"{round(75 * math.sqrt(165 * 62 / 3600))} mg") in final_doses(
        shown
    )
