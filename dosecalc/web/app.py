"""The web application: four pages over the public API, rendered on the server.

Every result is a GET of its inputs (a shareable URL, no server state); the
Check page also takes a POST for long texts and uploads. Nothing about a
patient is kept: no session, no cache (``Cache-Control: no-store``), no
access log (see :mod:`dosecalc.web.server`), and an uploaded file lives in a
private temporary folder only while it is checked. A refusal is the command
line's one-line message, shown next to the field its error names
(:attr:`dosecalc.errors.DosecalcError.field`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__, api
from ..commands import calendar as calendar_command
from ..commands import dose as dose_command
from ..commands.calendar import CalendarReport, CalendarRequest
from ..commands.dose import DoseReport, DoseRequest
from ..commands.inputs import Library, PatientInput
from ..commands.regimens import list_policies
from ..errors import DataFileError, DosecalcError, InputError
from ..output import text as render
from ..output.calendar import footer_lines, header_lines
from ..output.calendar import render as render_calendar
from ..output.common import (
    anthracycline_text,
    banner,
    patient_lines,
    policy_lines,
    review_text,
    summary_rows,
    supportive_lines_text,
    treatment_days,
)
from ..output.common import text_lines as provenance_lines
from ..output.html import calendar_html, month_grids  # the printable page's month grids, shared
from ..output.text import DOSE_HEADERS, dose_cautions, dose_row

HERE = Path(__file__).parent

#: A case file or clinical text is a few kB (the seed report: 5 kB); a body
#: larger than this is refused before it is read whole.
MAX_UPLOAD_BYTES = 256 * 1024
#: A typed value ("165 cm", "docetaxel=20%, paclitaxel=10%") is short.
MAX_FIELD_CHARS = 300
#: A check's link carries its text in the URL only while the URL stays short.
MAX_LINK_CHARS = 6000

#: The policy of every page: nothing from elsewhere, no inline script or
#: style (the printable page's one style block is allowed by its hash).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}

# The engine was written for one caller at a time (caches, the units
# registry); one lock keeps web requests from interleaving inside it. The
# GIL would serialise this CPU-bound work anyway.
_ENGINE = threading.Lock()

Arguments = ParamSpec("Arguments")
Result = TypeVar("Result")


async def engine(
    function: Callable[Arguments, Result], *args: Arguments.args, **kwargs: Arguments.kwargs
) -> Result:
    """Run an API call off the event loop, one at a time."""

    def locked() -> Result:
        with _ENGINE:
            return function(*args, **kwargs)

    return await run_in_threadpool(locked)


# -- forms ---------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One form input. ``name`` is the command-line option without dashes,
    which is also what an error's ``field`` names."""

    name: str
    label: str
    hint: str = ""
    kind: str = "text"  # text, number, date, select, checkbox, textarea, file, datalist
    choices: tuple[tuple[str, str], ...] = ()
    inputmode: str = ""


REGIMEN = Field("regimen", "Regimen", "Type to search by id, name or setting", "datalist")
PATIENT = (
    Field("height", "Height", "With its unit: 165 cm, 65 in, 5 ft 5 in (a bare number is cm)"),
    Field("weight", "Weight", "With its unit: 62 kg, 136.7 lb (a bare number is kg)"),
    Field("sex", "Sex", "For Schlich BSA, ideal weight, Cockcroft-Gault", "select",
          (("", "not given"), ("female", "female"), ("male", "male"))),
    Field("age", "Age (years)", "For Cockcroft-Gault", inputmode="numeric"),
    Field("scr", "Serum creatinine", "With its unit: 0.8 mg/dL or 71 umol/L"),
    Field("gfr", "Measured GFR", "Absolute, with its unit: 95 mL/min (for Calvert, instead of Cockcroft-Gault)"),
)  # fmt: skip
DRAFT = Field(
    "allow-draft",
    "Use a draft regimen",
    "A draft has not been reviewed: every dose must be checked against its source",
    "checkbox",
)
ACCEPT = Field(
    "accept-implausible",
    "Accept values outside the adult ranges",
    "The result then says which check was overridden",
    "checkbox",
)
POLICY = Field("policy", "Policy", "BSA formula, rounding, caps and re-load rules", "select")

#: Each page's form: fieldsets of (legend, fields).
Form = tuple[tuple[str, tuple[Field, ...]], ...]
DOSE_FORM: Form = (
    ("Regimen", (REGIMEN,)),
    ("Patient", PATIENT),
    ("Options", (
        POLICY,
        Field("phase", "Phase", "Limit to one phase, e.g. TH (empty: every phase)"),
        Field("cycle", "Cycle", "Doses of this cycle only (of the phase, else of the course)", "number"),
        Field("reduce", "Dose reductions", "DRUG=PERCENT, comma-separated: docetaxel=20%"),
        Field("delay", "Delays", "CYCLE=DAYS, comma-separated: 3=7 or TH:5=14 (re-load rules apply)"),
        Field("previous-weight", "Previous weight", "The weight the last doses were calculated on"),
        ACCEPT,
        DRAFT,
    )),
)  # fmt: skip
CALENDAR_FORM: Form = (
    ("Course", (
        REGIMEN,
        Field("start", "Start date", "Date of the first cycle, YYYY-MM-DD", "date"),
        Field("cycles", "Cycles", "How many cycles to show, counted over all phases", "number"),
        Field("until", "Or up to this date", "YYYY-MM-DD", "date"),
        Field("delay", "Delays", "CYCLE=DAYS, comma-separated: 3=7 or TH:5=14"),
        Field("phase-cycles", "Cycles of a phase", "PHASE=N where a phase allows a choice: THP=8"),
        Field("country", "Country for holidays", "Flags weekends and public holidays: FR, GB, US-NY"),
        Field("holidays", "Non-working days", "Override the policy", "select",
              (("", "as the policy says"), ("flag", "flag them"), ("move", "move to the next working day"))),
        Field("prior-anthracycline", "Prior anthracycline", "Doxorubicin equivalents given before: 240 mg/m2"),
    )),
    ("Patient (optional: for doses in mg)", (*PATIENT, POLICY, ACCEPT, DRAFT)),
)  # fmt: skip
CHECK_FORM: Form = (
    ("What to check", (
        Field("text", "Clinical text", "Paste a clinical text (French or English)", "textarea"),
        Field("file", "Or upload a file", "A case file (.yaml) or a text (.txt), at most 256 kB", "file"),
    )),
    ("Options", (
        Field("height", "Height", "When the case does not give it (for final doses in mg)"),
        Field("weight", "Weight", "When the case does not give it"),
        POLICY,
        ACCEPT,
    )),
)  # fmt: skip


def _fields(form: Form) -> tuple[Field, ...]:
    return tuple(f for _, group in form for f in group)


DOSE_FIELDS = _fields(DOSE_FORM)
CALENDAR_FIELDS = _fields(CALENDAR_FORM)
CHECK_FIELDS = _fields(CHECK_FORM)


def form_values(params: Any, fields: Iterable[Field]) -> dict[str, str]:
    """The submitted values of ``fields`` as stripped strings (repeated keys
    joined with commas); raises InputError for an over-long value."""
    values: dict[str, str] = {}
    for f in fields:
        if f.kind == "file":
            continue
        items = [v for v in params.getlist(f.name) if isinstance(v, str)]
        value = ", ".join(v.strip() for v in items if v.strip())
        limit = MAX_UPLOAD_BYTES if f.kind == "textarea" else MAX_FIELD_CHARS
        if len(value) > limit:
            raise InputError(f"{f.label.lower()} is longer than {limit} characters", field=f.name)
        values[f.name] = value
    return values


def _opt(values: dict[str, str], name: str) -> str | None:
    return values.get(name) or None


def _listed(values: dict[str, str], name: str) -> tuple[str, ...]:
    """ "docetaxel=20%, paclitaxel=10%" -> ("docetaxel=20%", "paclitaxel=10%")."""
    return tuple(item.strip() for item in values.get(name, "").split(",") if item.strip())


def _wanted(values: dict[str, str]) -> bool:
    """Whether the form was submitted: an empty form is just shown, a form
    filled in without its regimen is refused."""
    if values.get("regimen"):
        return True
    if any(values.values()):
        raise InputError("regimen is missing: choose one from the list", field="regimen")
    return False


def _whole(values: dict[str, str], name: str) -> int | None:
    text = values.get(name, "")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InputError(f"--{name} '{text}': give a whole number of at least 1", field=name)
    return int(text)


# -- the app -------------------------------------------------------------------


class Web:
    """The pages, over the regimen and policy folders the command line was given."""

    def __init__(self, regimen_dirs: tuple[str, ...] = (), policy_dirs: tuple[str, ...] = ()):
        self.regimen_dirs = regimen_dirs
        self.policy_dirs = policy_dirs

    # Shared pieces --------------------------------------------------------

    def policies(self) -> list[str]:

        return list_policies(self.policy_dirs)

    def policy_name(self, values: dict[str, str]) -> str | None:
        """The chosen policy, by name only: the command line also takes a
        policy *file*, which a web page must never open."""
        name = _opt(values, "policy")
        if name is not None and name not in self.policies():
            raise InputError(
                f"no policy '{name}' (known: {', '.join(self.policies())})", field="policy"
            )
        return name

    def regimen_options(self) -> list[dict[str, str]]:
        return [
            {
                "id": s.id,
                "name": s.name,
                "setting": s.setting,
                "status": " ".join(filter(None, (s.status, s.last_reviewed))),
                "version": s.version,
            }
            for s in api.list_regimens(self.regimen_dirs)
        ]

    async def page(
        self,
        request: Request,
        template: str,
        form: Form,
        values: dict[str, str],
        error: DosecalcError | None,
        status: int = 200,
        **context: object,
    ) -> HTMLResponse:
        regimens, policies = await engine(self._choices)
        if error is not None and status == 200:
            status = 422
        return render_page(
            template,
            status,
            request=request,
            form=form,
            values=values,
            error=error_view(error, _fields(form)),
            regimens=regimens,
            policies=policies,
            **context,
        )

    def _choices(self) -> tuple[list[dict[str, str]], list[str]]:
        """The regimens and policies the forms offer (none when the library
        cannot be read: the page then shows the error of its own request)."""
        try:
            return self.regimen_options(), self.policies()
        except DosecalcError:
            return [], []

    # Pages ---------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return render_page("home.html", 200, request=request)

    async def dose(self, request: Request) -> Response:
        values: dict[str, str] = {}
        report, error = None, None
        try:
            values = form_values(request.query_params, DOSE_FIELDS)
            if _wanted(values):
                report = await engine(self.dose_report, values)
        except DosecalcError as exc:
            error = exc
        return await self.page(
            request, "dose.html", DOSE_FORM, values, error, result=report and dose_view(report)
        )

    @property
    def library(self) -> Library:
        return Library(self.regimen_dirs, self.policy_dirs)

    def patient(self, values: dict[str, str]) -> PatientInput:
        """The patient fields that the dose and calendar forms share."""
        return PatientInput(
            _opt(values, "height"),
            _opt(values, "weight"),
            _opt(values, "sex"),
            _opt(values, "age"),
            _opt(values, "scr"),
            _opt(values, "gfr"),
            bool(values.get("accept-implausible")),
        )

    def dose_report(self, values: dict[str, str]) -> DoseReport:
        request = DoseRequest(
            values["regimen"],
            self.patient(values),
            policy=self.policy_name(values),
            cycle=_whole(values, "cycle"),
            phase=_opt(values, "phase"),
            reduce=_listed(values, "reduce"),
            previous_weight=_opt(values, "previous-weight"),
            delays=_listed(values, "delay"),
            allow_draft=bool(values.get("allow-draft")),
            library=self.library,
        )
        return dose_command.run(request)

    async def dose_download(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("json", "csv"):
            return not_found_page()

        return await self.download(
            request,
            DOSE_FIELDS,
            lambda values: render.dose_output(self.dose_report(values), fmt),
            fmt,
            "dose",
        )

    def calendar_report(self, values: dict[str, str]) -> CalendarReport:
        if not values.get("start"):
            raise InputError("--start is missing: the date of the first cycle", field="start")
        request = CalendarRequest(
            values["regimen"],
            values["start"],
            self.patient(values),
            policy=self.policy_name(values),
            cycles=_whole(values, "cycles"),
            until=_opt(values, "until"),
            delays=_listed(values, "delay"),
            phase_cycles=_listed(values, "phase-cycles"),
            country=_opt(values, "country"),
            holidays=_opt(values, "holidays"),
            prior_anthracycline=_opt(values, "prior-anthracycline"),
            allow_draft=bool(values.get("allow-draft")),
            library=self.library,
        )
        return calendar_command.run(request)

    async def calendar(self, request: Request) -> Response:
        values: dict[str, str] = {}
        report, error = None, None
        view = "month" if request.query_params.get("view") == "month" else "list"
        try:
            values = form_values(request.query_params, CALENDAR_FIELDS)
            if _wanted(values):
                report = await engine(self.calendar_report, values)
        except DosecalcError as exc:
            error = exc
        query = urlencode({k: v for k, v in values.items() if v})
        return await self.page(
            request,
            "calendar.html",
            CALENDAR_FORM,
            values,
            error,
            view=view,
            query=query,
            result=report and calendar_view(report),
        )

    async def calendar_download(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("ics", "csv", "json"):
            return not_found_page()

        def build(values: dict[str, str]) -> str:

            return render_calendar(self.calendar_report(values), fmt)

        return await self.download(request, CALENDAR_FIELDS, build, fmt, "calendar")

    async def calendar_print(self, request: Request) -> Response:
        paper = "letter" if request.query_params.get("paper") == "letter" else "a4"

        def build(values: dict[str, str]) -> str:

            return calendar_html(self.calendar_report(values), paper=paper)

        try:
            values = form_values(request.query_params, CALENDAR_FIELDS)
            html = await engine(build, values)
        except DosecalcError as exc:
            return error_response(exc)
        response = HTMLResponse(html)
        response.headers["content-security-policy"] = _with_style_hashes(CSP, html)
        return response

    async def download(
        self,
        request: Request,
        fields: tuple[Field, ...],
        build: Callable[[dict[str, str]], str],
        fmt: str,
        stem: str,
    ) -> Response:
        try:
            values = form_values(request.query_params, fields)
            text = await engine(build, values)
        except DosecalcError as exc:
            return error_response(exc)
        name = f"dosecalc-{stem}-{_safe_name(values.get('regimen', ''))}"
        if values.get("start"):
            name += f"-{_safe_name(values['start'])}"
        return Response(
            text if text.endswith("\n") else text + "\n",
            media_type=MEDIA_TYPES[fmt],
            headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'},
        )

    async def check(self, request: Request) -> Response:
        values: dict[str, str] = {}
        result: dict[str, Any] | None = None
        error: DosecalcError | None = None
        link: str | None = None
        status = 200
        try:
            if request.method == "POST":
                form = await read_form(request)
                values = form_values(form, CHECK_FIELDS)
                upload = form.get("file")
                named, content = None, None
                if isinstance(upload, UploadFile) and upload.filename:
                    named, content = upload.filename, await upload.read()
                elif values.get("text"):
                    named, content = "pasted.txt", values["text"].encode("utf-8")
            else:
                values = form_values(request.query_params, CHECK_FIELDS)
                named = "pasted.txt" if values.get("text") else None
                content = values.get("text", "").encode("utf-8")
            if named is not None and content is not None:
                result = await engine(self.check_data, named, content, values)
                if values.get("text") and named == "pasted.txt":
                    url = "/check?" + urlencode({k: v for k, v in values.items() if v})
                    link = url if len(url) <= MAX_LINK_CHARS else None
            elif request.method == "POST":
                raise InputError("paste a clinical text or choose a file to check", field="text")
        except UploadTooLarge as exc:
            error, status = exc, 413
        except DosecalcError as exc:
            error = exc
        return await self.page(
            request, "check.html", CHECK_FORM, values, error, status, result=result, link=link
        )

    def check_data(self, name: str, content: bytes, values: dict[str, str]) -> dict[str, Any]:
        """Check an uploaded or pasted document through :func:`api.check_course`.

        The API reads files, so the document is written to a private folder
        (in memory where the system has one) and removed as soon as it has
        been read; messages and results name the file as uploaded, never
        the folder."""
        import json

        safe = _safe_name(Path(name).name) or "upload"
        folder = tempfile.mkdtemp(prefix="dosecalc-", dir=_memory_dir())
        try:
            path = Path(folder) / safe
            path.write_bytes(content)
            is_text = path.suffix.lower() not in (".yaml", ".yml")
            try:
                report = api.check_course(
                    None if is_text else str(path),
                    text_file=str(path) if is_text else None,
                    height=_opt(values, "height"),
                    weight=_opt(values, "weight"),
                    policy=self.policy_name(values),
                    regimen_dirs=self.regimen_dirs,
                    policy_dirs=self.policy_dirs,
                    accept_implausible=bool(values.get("accept-implausible")),
                )
            except DosecalcError as exc:
                raise _renamed(exc, str(path), safe) from None
            data = json.loads(render.check_output(report, "json").replace(str(path), safe))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return check_view(data)

    async def regimens(self, request: Request) -> Response:
        query = request.query_params.get("q", "")[:MAX_FIELD_CHARS].strip()
        error = None
        try:
            rows = await engine(self.regimen_options)
        except DosecalcError as exc:
            rows, error = [], exc
        words = query.lower().split()
        shown = [r for r in rows if all(w in " ".join(r.values()).lower() for w in words)]
        return render_page(
            "regimens.html",
            200 if error is None else 500,
            request=request,
            rows=shown,
            total=len(rows),
            q=query,
            error=error_view(error, ()),
        )

    async def regimen(self, request: Request) -> Response:

        def build() -> dict[str, Any]:
            reg = api.show_regimen(request.path_params["regimen_id"], self.regimen_dirs)
            data: dict[str, Any] = json.loads(render.regimen_show_output(reg, "json"))
            data["review"] = review_text(reg)
            data["banner"] = banner(reg)
            data["supportive"] = supportive_lines_text(reg)
            data["file"] = Path(reg.path).name if reg.path else None
            return data

        try:
            data = await engine(build)
        except DosecalcError as exc:
            return error_response(exc, 404)
        return render_page("regimen.html", 200, request=request, r=data)


MEDIA_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _safe_name(text: str) -> str:
    """A file name made only of letters, digits, dots, dashes and underscores."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80]


def _memory_dir() -> str | None:
    shm = Path("/dev/shm")
    return (
        str(shm) if shm.is_dir() and shutil.disk_usage(shm).free > 16 * MAX_UPLOAD_BYTES else None
    )


def _renamed(exc: DosecalcError, path: str, name: str) -> DosecalcError:
    """The error with the temporary path replaced by the uploaded file's name."""
    if isinstance(exc, DataFileError):
        problems = [
            p._replace(file=p.file.replace(path, name), message=p.message.replace(path, name))
            for p in exc.problems
        ]
        return DataFileError(problems)
    # Only the message is shown; a plain InputError carries it whatever the
    # original class's constructor takes.
    return InputError(str(exc).replace(path, name), field=exc.field)


class UploadTooLarge(InputError):
    """Raised when a request body is over :data:`MAX_UPLOAD_BYTES`."""


async def read_form(request: Request) -> Any:
    """The POSTed form, refused before it is read whole when over the limit."""
    limit = MAX_UPLOAD_BYTES + 16 * 1024  # the file, plus the other fields
    too_large = UploadTooLarge(
        f"the upload is larger than {MAX_UPLOAD_BYTES // 1024} kB: a case file or clinical text is a few kB",
        field="file",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(max_files=1, max_fields=20)
    except Exception as exc:  # a malformed multipart body
        raise InputError(f"the form could not be read ({exc})") from None


# -- views: report -> what the templates show ---------------------------------


def error_view(error: DosecalcError | None, fields: Iterable[Field]) -> dict[str, Any] | None:
    """The CLI's message, and the field it belongs to when the form has it."""
    if error is None:
        return None
    text = error.details() if isinstance(error, DataFileError) else str(error)
    names = {f.name for f in fields}
    return {
        "lines": [f"Error: {line}" for line in text.splitlines() or [""]],
        "field": error.field if error.field in names else None,
    }


def dose_view(report: DoseReport) -> dict[str, Any]:

    policy = policy_lines(report.policy)
    change = None
    if report.weight_change is not None:
        flag = "RECALCULATE: " if report.weight_change.recalculate else ""
        change = flag + report.weight_change.describe(report.policy.id)
    return {
        "regimen": report.regimen,
        "scope": report.scope,
        "patient": patient_lines(report.patient, report.bsa),
        "weight_change": change,
        "cautions": dose_cautions(report),
        "headers": DOSE_HEADERS,
        "rows": [
            {
                "cells": dose_row(line, report.bsa),
                "derivation": line.derivation,
                "reason": line.reason,
            }
            for line in report.lines
        ],
        "policy_title": policy[0],
        "policy_lines": [line.strip() for line in policy[1:]],
        "version": __version__,
        "banner": banner(report.regimen),
        "review": review_text(report.regimen),
        "supportive": supportive_lines_text(
            report.regimen, list(dict.fromkeys(line.phase for line in report.lines))
        ),
        "provenance": provenance_lines(report.provenance),
    }


def calendar_view(report: CalendarReport) -> dict[str, Any]:

    summary, summary_headers = summary_rows(report)
    footer = [line for line in footer_lines(report) if line]
    return {
        "regimen": report.regimen,
        "header": header_lines(report),
        "footer": footer,
        "lines": report.lines,
        "months": month_grids(report, dict(treatment_days(report))),
        "summary": summary,
        "summary_headers": summary_headers,
        "anthracycline": anthracycline_text(report),
        "continues": report.continues,
        "version": __version__,
        "supportive": [
            {
                "date": item.date.isoformat(),
                "weekday": item.date.strftime("%a"),
                "cycle": f"{item.phase} {item.cycle}",
                "purpose": item.entry.purpose,
                "text": item.text,
            }
            for item in report.supportive
        ],
        "monitoring": [
            {
                "date": m.date.isoformat(),
                "weekday": m.date.strftime("%a"),
                "test": m.test,
                "reason": m.reason,
            }
            for m in report.monitoring
        ],
    }


SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_view(data: dict[str, Any]) -> dict[str, Any]:
    """The check's JSON (the documented contract), findings errors first."""
    data["findings"] = sorted(
        data.get("findings", []), key=lambda f: SEVERITY_ORDER.get(f.get("severity"), 3)
    )
    data["version"] = __version__
    return data


# -- rendering -----------------------------------------------------------------


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = _safe_url
    env.globals["version"] = __version__
    return env


def _safe_url(url: Any) -> str | None:
    """A source's address only when it is a web address (never javascript:)."""
    text = str(url or "")
    return text if re.match(r"https?://", text, re.IGNORECASE) else None


def render_page(template: str, status: int, **context: object) -> HTMLResponse:
    """The page ``template`` with ``context`` as its variables."""
    html = templates().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def error_response(error: DosecalcError, status: int = 422) -> HTMLResponse:
    return render_page("error.html", status, error=error_view(error, ()), request=None)


def not_found_page() -> HTMLResponse:
    return render_page(
        "error.html", 404, request=None, error={"lines": ["Error: no such page"], "field": None}
    )


def _with_style_hashes(csp: str, html: str) -> str:
    """The policy, allowing exactly the page's own <style> blocks by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    )
    return csp.replace("style-src 'self'", f"style-src 'self' {hashes}")


class SecurityHeaders:
    """ASGI middleware: the security and no-store headers on every response,
    and a one-line page instead of a traceback for anything unexpected."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [
                    (k.encode(), v.encode())
                    for k, v in SECURITY_HEADERS.items()
                    if k.encode() not in present
                ]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception as exc:  # the last line of defence: never a traceback
            if os.environ.get("DOSECALC_DEBUG"):
                raise
            # One line, without the exception's text: it may hold a patient's values.
            print(
                f"dosecalc: internal error ({type(exc).__name__}); please report it",
                file=sys.stderr,
            )
            if not started:
                response = PlainTextResponse(
                    f"Error: internal error ({type(exc).__name__}); please report it", 500
                )
                await response(scope, receive, with_headers)


def create_app(regimen_dirs: tuple[str, ...] = (), policy_dirs: tuple[str, ...] = ()) -> ASGIApp:
    """The application, over these extra regimen and policy folders."""
    web = Web(regimen_dirs, policy_dirs)
    routes = [
        Route("/", web.home),
        Route("/dose", web.dose),
        Route("/dose.{fmt:str}", web.dose_download),
        Route("/calendar", web.calendar),
        Route("/calendar/print", web.calendar_print),
        Route("/calendar.{fmt:str}", web.calendar_download),
        Route("/check", web.check, methods=["GET", "POST"]),
        Route("/regimens", web.regimens),
        Route("/regimens/{regimen_id:str}", web.regimen),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)

    async def not_found(request: Request, exc: Exception) -> Response:
        return not_found_page()

    app.add_exception_handler(404, not_found)
    return SecurityHeaders(app)
