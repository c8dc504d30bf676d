"""The ``dosecalc`` command: options in, one error path out.

Each command turns its options into the typed request of its module in
:mod:`dosecalc.commands`, runs it, and prints the report with
:mod:`dosecalc.output`. Only Click is imported at module load, so ``--help``
and shell completion stay fast; a command imports its module when it runs.
Errors are turned into one-line messages in one place, :func:`main`.

Adding a command: a module in ``dosecalc/commands/`` (request, report,
``run``), a renderer in ``dosecalc/output/``, and here a function whose body
builds the request and prints the report.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .errors import (
    DataFileError,
    DosecalcError,
    FindingsFound,
    InputError,
    ResultDiffers,
    Terminated,
)

if TYPE_CHECKING:
    from .commands.inputs import Library

FORMATS = ("table", "json", "csv")

F = TypeVar("F", bound=Callable[..., Any])


class Settings:
    """Options of the command group, passed to every command. (A plain class:
    importing ``dataclasses`` here would slow every ``--help`` and TAB press.)"""

    __slots__ = ("policy_dirs", "regimen_dirs")

    def __init__(self, regimen_dirs: tuple[str, ...], policy_dirs: tuple[str, ...]):
        self.regimen_dirs = regimen_dirs
        self.policy_dirs = policy_dirs

    @property
    def library(self) -> Library:
        """The regimen and policy folders as the commands take them."""
        from .commands.inputs import Library

        return Library(self.regimen_dirs, self.policy_dirs)


class StdoutError(DosecalcError):
    """Raised when the output cannot be written to standard output (a full
    device such as /dev/full, a closed terminal)."""

    exit_code = 2


def _out(text: str) -> None:
    try:
        click.echo(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _silence_stdout()
        raise StdoutError(f"cannot write the output: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    """Point standard output at the null device, so that Python's own flush
    at exit does not fail a second time with a traceback-like message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class OnceCommand(click.Command):
    """A command whose single-valued options may be given only once: a second
    ``--height`` or ``--policy`` would otherwise silently replace the first."""

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_once(args: list[str]) -> tuple[dict[str, Any], list[str], list[Any]]:
            opts, rest, order = parse(args=args)
            seen: set[str | None] = set()
            for param in order:
                if (
                    isinstance(param, click.Option)
                    and not (param.multiple or param.count or param.is_flag)
                    and param.name in seen
                ):
                    name = max(param.opts, key=len)
                    raise click.UsageError(f"{name} is given twice; give it once", ctx)
                seen.add(getattr(param, "name", None))
            return opts, rest, order

        parser.parse_args = parse_once  # type: ignore[method-assign]
        return parser


class OnceGroup(click.Group):
    """The command group: its commands and sub-groups are OnceCommands."""

    command_class = OnceCommand
    group_class = type


def format_option(*extra: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS + extra),
        default="table",
        show_default=True,
        help="Output format.",
    )


def patient_options(required: bool = True) -> Callable[[F], F]:
    """--height, --weight, --sex, --age, --scr and --accept-implausible,
    passed to the command one by one; the command makes them one
    PatientInput (with --gfr when it has that option too)."""
    optional = "" if required else " Optional: give height and weight for doses in mg."
    options = [
        click.option(
            "--height",
            required=required,
            help="Height with unit: '165 cm', '65 in', '5 ft 5 in' (a bare number is cm)."
            + optional,
        ),
        click.option(
            "--weight",
            required=required,
            help="Weight with unit: '62 kg', '136.7 lb' (a bare number is kg)." + optional,
        ),
        click.option("--sex", help="female or male (Schlich BSA, ideal weight, Cockcroft-Gault)."),
        click.option("--age", help="Age in years (Cockcroft-Gault)."),
        click.option("--scr", help="Serum creatinine with unit: '0.8 mg/dL' or '71 umol/L'."),
        click.option(
            "--accept-implausible",
            is_flag=True,
            help="Accept values outside the adult ranges; the output says so.",
        ),
    ]

    def decorate(function: F) -> F:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


policy_option = click.option("--policy", help="Policy name (default: standard) or a policy file.")
allow_draft_option = click.option(
    "--allow-draft",
    is_flag=True,
    help="Use a regimen whose status is draft (not reviewed); the output says so.",
)
gfr_option = click.option(
    "--gfr",
    help="Measured GFR, absolute, with unit: '95 mL/min' (carboplatin, for a policy whose kidney_function takes it).",
)


@click.group(
    cls=OnceGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(version=__version__, prog_name="dosecalc")
@click.option(
    "--regimens",
    "regimen_dirs",
    multiple=True,
    metavar="DIR",
    help="Extra folder of regimen files (also DOSECALC_REGIMENS).",
)
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    metavar="DIR",
    help="Extra folder of policy files (also DOSECALC_POLICIES).",
)
@click.pass_context
def cli(ctx: click.Context, regimen_dirs: tuple[str, ...], policy_dirs: tuple[str, ...]) -> None:
    """Chemotherapy doses, cycle calendars and regimen checks.

    Every dose shows how it was derived, and every output names the policy
    (BSA formula, rounding, caps, re-load rules) that produced it.
    """
    ctx.obj = Settings(regimen_dirs, policy_dirs)


@cli.command()
@patient_options()
@click.option(
    "--formula",
    default="mosteller",
    show_default=True,
    help="BSA formula, or 'all' to compare every formula.",
)
@click.option("--cap", type=float, help="Cap the BSA at this many m².")
@click.option("--decimals", type=click.IntRange(0, 4), help="Round the BSA to this many decimals.")
@format_option()
def bsa(
    height: str,
    weight: str,
    sex: str | None,
    age: str | None,
    scr: str | None,
    accept_implausible: bool,
    formula: str,
    cap: float | None,
    decimals: int | None,
    fmt: str,
) -> None:
    """Body surface area of a patient.

    \b
    Examples:
      dosecalc bsa --height '165 cm' --weight '62 kg'
      dosecalc bsa --height '5 ft 5 in' --weight '136.7 lb' --sex female --formula all
    """
    from .commands import bsa as command
    from .commands.inputs import PatientInput
    from .output import text

    patient = PatientInput(height, weight, sex, age, scr, accept_implausible=accept_implausible)
    formula_asked = None if formula == "all" else formula
    request = command.BsaRequest(patient, formula=formula_asked, cap_m2=cap, decimals=decimals)
    _out(text.bsa_output(command.run(request), fmt))


@cli.command()
@click.argument("regimen")
@patient_options()
@policy_option
@click.option(
    "--cycle",
    type=click.IntRange(min=1),
    help="Doses of this cycle only (of --phase, else the course's Nth cycle).",
)
@click.option("--phase", help="Limit to this phase (e.g. TH).")
@click.option(
    "--reduce",
    multiple=True,
    metavar="DRUG=PCT",
    help="Dose reduction, e.g. docetaxel=20% (repeatable).",
)
@click.option(
    "--previous-weight",
    help="Weight the last doses were calculated on: compares the change with the policy's recalculation threshold.",
)
@click.option(
    "--delay",
    "delays",
    multiple=True,
    metavar="CYCLE=DAYS",
    help="Delay a cycle and everything after it (3=7 or TH:5=14): a dose after a long gap may re-load.",
)
@gfr_option
@click.option("--explain", is_flag=True, help="Show each dose's derivation step by step.")
@allow_draft_option
@format_option()
@click.pass_obj
def dose(
    settings: Settings,
    regimen: str,
    height: str,
    weight: str,
    sex: str | None,
    age: str | None,
    scr: str | None,
    accept_implausible: bool,
    policy: str | None,
    cycle: int | None,
    phase: str | None,
    reduce: tuple[str, ...],
    previous_weight: str | None,
    delays: tuple[str, ...],
    gfr: str | None,
    explain: bool,
    allow_draft: bool,
    fmt: str,
) -> None:
    """Every dose of a regimen for a patient.

    \b
    Examples:
      dosecalc dose thp --height '165 cm' --weight '62 kg'
      dosecalc dose ac-th --height 165 --weight 62 --phase TH --cycle 1 --explain
      dosecalc dose thp --height 165 --weight 62 --reduce docetaxel=20% --format json
      dosecalc dose thp --height 165 --weight 62 --previous-weight 70 --cycle 4
      dosecalc dose ac-th --height 165 --weight 62 --cycle 6 --delay 6=21
      dosecalc dose tch --height 165 --weight 70 --sex F --age 25 --scr '0.5 mg/dL' --policy capped-bsa-no-gfr-cap --gfr '95 mL/min'
    """
    from .commands import dose as command
    from .commands.inputs import PatientInput
    from .output import text

    request = command.DoseRequest(
        regimen,
        PatientInput(height, weight, sex, age, scr, gfr, accept_implausible),
        policy=policy,
        cycle=cycle,
        phase=phase,
        reduce=reduce,
        previous_weight=previous_weight,
        delays=delays,
        allow_draft=allow_draft,
        library=settings.library,
    )
    _out(text.dose_output(command.run(request), fmt, explain))


@cli.command()
@click.argument("regimen")
@click.option("--start", required=True, metavar="DATE", help="Date of the first cycle, YYYY-MM-DD.")
@patient_options(required=False)
@policy_option
@click.option(
    "--cycles",
    type=click.IntRange(min=1),
    help="Show this many cycles of the course (counted over all phases).",
)
@click.option("--until", metavar="DATE", help="Show administrations up to this date (YYYY-MM-DD).")
@click.option(
    "--delay",
    "delays",
    multiple=True,
    metavar="CYCLE=DAYS",
    help="Delay a cycle and everything after it: 3=7 (the course's 3rd cycle) or TH:5=14 (repeatable).",
)
@click.option(
    "--phase-cycles",
    multiple=True,
    metavar="PHASE=N",
    help="Cycles of a phase that allows a choice, e.g. THP=8 (repeatable).",
)
@click.option(
    "--country",
    metavar="CODE",
    help="Flag weekends and public holidays of this country (FR, GB, US-NY).",
)
@click.option(
    "--holidays",
    "holiday_mode",
    type=click.Choice(["flag", "move"]),
    help="Override the policy: flag non-working days, or move them to the next working day.",
)
@click.option(
    "--prior-anthracycline",
    metavar="DOSE",
    help="Doxorubicin equivalents given before this course, e.g. '240 mg/m2': starts the cumulative total.",
)
@gfr_option
@allow_draft_option
@format_option("ics", "html")
@click.option(
    "--view",
    type=click.Choice(["list", "month"]),
    default="list",
    show_default=True,
    help="Table format: a list per phase, or month grids.",
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"]),
    default="a4",
    show_default=True,
    help="Paper size of --format html.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to this file (complete or not at all) instead of the screen.",
)
@click.pass_obj
def calendar(
    settings: Settings,
    regimen: str,
    start: str,
    height: str | None,
    weight: str | None,
    sex: str | None,
    age: str | None,
    scr: str | None,
    accept_implausible: bool,
    policy: str | None,
    cycles: int | None,
    until: str | None,
    delays: tuple[str, ...],
    phase_cycles: tuple[str, ...],
    country: str | None,
    holiday_mode: str | None,
    prior_anthracycline: str | None,
    gfr: str | None,
    allow_draft: bool,
    fmt: str,
    view: str,
    paper: str,
    output: str | None,
) -> None:
    """Every administration of a course, dated.

    \b
    Examples:
      dosecalc calendar thp --start 2016-01-19 --cycles 8
      dosecalc calendar ac-th --start 2016-01-04 --height 165 --weight 62 --view month
      dosecalc calendar thp --start 2016-01-19 --cycles 8 --delay 3=7 --country FR --holidays move
      dosecalc calendar ac-th --start 2016-01-04 --format ics -o course.ics
      dosecalc calendar thp --start 2016-01-19 --cycles 8 --height 165 --weight 62 --format html -o course.html
      dosecalc calendar ac-th --start 2016-01-04 --prior-anthracycline '150 mg/m2'
    """
    from .commands import calendar as command
    from .commands.inputs import PatientInput
    from .output import calendar as render

    request = command.CalendarRequest(
        regimen,
        start,
        PatientInput(height, weight, sex, age, scr, gfr, accept_implausible),
        policy=policy,
        cycles=cycles,
        until=until,
        delays=delays,
        phase_cycles=phase_cycles,
        country=country,
        holidays=holiday_mode,
        prior_anthracycline=prior_anthracycline,
        allow_draft=allow_draft,
        library=settings.library,
    )
    _emit(render.render(command.run(request), fmt, view, paper), output)


@cli.command()
@click.argument("json_file", type=click.Path())
def reproduce(json_file: str) -> None:
    """Re-run a JSON output of dose or calendar from its recorded inputs and
    say whether the result is identical (exit 0) or what differs (exit 1).

    \b
    Example:
      dosecalc dose thp --height 165 --weight 62 --format json > thp.json
      dosecalc reproduce thp.json
    """
    from .commands import reproduce as command

    result = command.run(json_file)
    _out(result.text())
    if not result.identical:
        raise ResultDiffers("the recorded output is not reproduced")


def _emit(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (never half a file)."""
    if output is None:
        _out(text)
        return
    from .output.files import write_text_atomic

    write_text_atomic(output, text if text.endswith("\n") else text + "\n", newline="")
    click.echo(f"wrote {output}", err=True)


@cli.group()
def regimens() -> None:
    """List, show and validate regimen files."""


@regimens.command("list")
@format_option()
@click.pass_obj
def regimens_list(settings: Settings, fmt: str) -> None:
    """List the regimens of the library.

    \b
    Example:
      dosecalc regimens list --format json
    """
    from .commands import regimens as command
    from .output import text

    _out(text.regimen_list_output(command.list_regimens(settings.regimen_dirs), fmt))


@regimens.command("show")
@click.argument("regimen")
@format_option()
@click.pass_obj
def regimens_show(settings: Settings, regimen: str, fmt: str) -> None:
    """Show one regimen: phases, doses, days, limits and sources.

    \b
    Example:
      dosecalc regimens show thp
    """
    from .commands import regimens as command
    from .output import text

    _out(text.regimen_show_output(command.show_regimen(regimen, settings.regimen_dirs), fmt))


@regimens.command("validate")
@click.argument("files", nargs=-1, type=click.Path())
@click.pass_obj
def regimens_validate(settings: Settings, files: tuple[str, ...]) -> None:
    """Validate regimen files (default: the whole library), reporting every problem.

    \b
    Examples:
      dosecalc regimens validate
      dosecalc regimens validate my-regimens/folfox.yaml
    """
    from .commands import regimens as command

    checked = command.validate(command.ValidateRequest(files, settings.library))
    _out(f"{len(checked)} regimen file{'s' if len(checked) != 1 else ''} valid")


@cli.command()
@click.argument("case_file", required=False, type=click.Path())
@click.option(
    "--text",
    "text_file",
    type=click.Path(),
    help="Check a free clinical text (French or English) instead of a case file.",
)
@click.option("--height", help="Height, when the case does not give it (to show final doses).")
@click.option("--weight", help="Weight, when the case does not give it.")
@policy_option
@click.option(
    "--accept-implausible",
    is_flag=True,
    help="Accept values outside the adult ranges; the output says so.",
)
@click.option(
    "--normalize",
    is_flag=True,
    help="Print the case file as read, in the documented format (what was assumed first), and check nothing.",
)
@format_option()
@click.pass_obj
def check(
    settings: Settings,
    case_file: str | None,
    text_file: str | None,
    height: str | None,
    weight: str | None,
    accept_implausible: bool,
    policy: str | None,
    normalize: bool,
    fmt: str,
) -> None:
    """Check a documented course against the regimen library; exit 1 if any error is found.

    \b
    Examples:
      dosecalc check seeds/case-report.yaml
      dosecalc check --text seeds/case-report.fr.txt
      dosecalc check seeds/case-report.yaml --height 165 --weight 62 --format json
      dosecalc check --normalize my-case.yaml
    """
    from .commands import check as command
    from .commands.inputs import PatientInput
    from .output import text

    if text_file is None and case_file is not None and case_file.endswith(".txt"):
        case_file, text_file = None, case_file
    if normalize:
        if case_file is None:
            raise InputError("--normalize reads a case file (YAML), not a text")
        _out(command.normalized_case(case_file).rstrip("\n"))
        return
    report = command.run(
        command.CheckRequest(
            case_file,
            text_file=text_file,
            patient=PatientInput(height, weight, accept_implausible=accept_implausible),
            policy=policy,
            library=settings.library,
        )
    )
    _out(text.check_output(report, fmt))
    if report.error_count:
        raise FindingsFound(f"the check found {report.error_count} error(s)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.pass_obj
def serve(settings: Settings, host: str, port: int) -> None:
    """The same engine as a local web page: Dose, Calendar, Check and Regimens.

    \b
    Example:
      dosecalc serve    (then open http://127.0.0.1:8000/)
    """
    from .web.server import serve as run

    gc.enable()  # paused for start-up by entry_point; a server runs for hours
    run(host, port, settings.regimen_dirs, settings.policy_dirs)


@cli.command()
def demo() -> None:
    """The main job on the embedded default: the seed case report's regimens
    dosed for an example patient, its THP calendar, and the check of the report.

    \b
    Example:
      dosecalc demo
    """
    from .commands import demo as command
    from .output import text

    _out(text.demo_output(command.run()))


def printable(text: str) -> str:
    """``text`` as one printable line: a control character typed into a value
    (a tab, a line or record separator, an escape sequence) is shown escaped
    (\\x1e), so an echoed value can neither split the message nor drive the
    terminal."""
    text = _LONG_RUN.sub(lambda m: f"[{m.group(1)!r} ×{len(m.group(0))}]", text)
    if len(text) > MESSAGE_LIMIT:
        # An echoed value of megabytes must not bury the reason: keep both ends.
        half = MESSAGE_LIMIT // 2
        text = f"{text[:half]} …({len(text) - 2 * half} characters)… {text[-half:]}"
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


#: A run of one character repeated this often in an echoed value is shown as
#: ['x' ×N]: a pasted value with 100,000 spaces gives a one-line message, not 200 KB.
_LONG_RUN = re.compile(r"(.)\1{19,}", re.S)
#: The longest error line printed.
MESSAGE_LIMIT = 600


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the one place errors become messages and exit codes."""
    try:
        cli.main(args=argv, prog_name="dosecalc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # the help text, asked for by giving no arguments
        return exc.exit_code
    except click.UsageError as exc:
        # One line, like every other error: what is wrong, and where help is.
        message = " ".join(exc.format_message().split()).rstrip(".")
        where = exc.ctx.command_path if exc.ctx is not None else "dosecalc"
        click.echo(f"Error: {printable(message)} (see '{where} --help')", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"Error: {printable(' '.join(exc.format_message().split()))}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except DosecalcError as exc:
        lines = exc.details().split("\n") if isinstance(exc, DataFileError) else [str(exc)]
        click.echo("Error: " + "\n".join(printable(line) for line in lines), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Terminated:
        click.echo("Terminated.", err=True)
        return 143
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        # A file dosecalc was asked to read or write, refused by the system
        # (a symbolic link loop, a full disk): an input problem, not a bug.
        where = f"'{exc.filename}': " if exc.filename else ""
        click.echo(printable(f"Error: {where}{exc.strerror or exc}"), err=True)
        return 2
    except Exception as exc:  # the last line of defence: never a traceback
        if os.environ.get("DOSECALC_DEBUG"):
            raise
        click.echo(
            printable(f"Error: internal error ({type(exc).__name__}: {exc}); please report it"),
            err=True,
        )
        return 1
    return 0


def entry_point() -> None:
    """The ``dosecalc`` command: one command, then the process ends."""
    # Start-up builds some 29,000 objects that live until the process ends
    # (Pint's registry, Click's commands, the regimen), and the cycle collector
    # traverses them again and again while they are built: about 10 ms of a
    # 200 ms dose, 7 of them inside Pint's import. A command that runs once
    # frees its memory by ending; `serve`, which runs for hours, turns the
    # collector back on.
    gc.disable()
    code = main()
    if not gc.isenabled():
        # The process ends now. Python's shutdown would run one last collection
        # over every object built above and free them one by one: 20-30 ms,
        # more than the dose itself. Frozen objects are left out of it, and the
        # system reclaims the memory at exit. Standard output and error are
        # still flushed as usual. A command that turned the collector back on
        # (serve, verify) keeps the full shutdown.
        gc.freeze()
    sys.exit(code)


@cli.command()
@click.argument("orders", type=click.Path())
@policy_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the orders with their verdicts here (.csv, .parquet or .jsonl; complete or not at all).",
)
@click.option(
    "--output-format", type=click.Choice(["csv", "parquet", "jsonl"]), help="Override -o's suffix."
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Run in this process, or on a Dask cluster (pip install 'dosecalc[dask]').",
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler (default: a local cluster).")
@click.pass_obj
def verify(
    settings: Settings,
    orders: str,
    policy: str | None,
    output: str | None,
    output_format: str | None,
    engine: str,
    scheduler: str | None,
) -> None:
    """Check a table of orders (CSV or Parquet) against the engine; exit 1 if
    any dose is outside tolerance. Format: docs/verify.md.

    \b
    Examples:
      dosecalc verify examples/orders.csv
      dosecalc verify orders.parquet --policy hopa-vial-10 -o checked.parquet
    """
    from .verify import verify_orders

    gc.enable()  # paused for start-up by entry_point; ten million orders make garbage

    summary = verify_orders(
        orders,
        output=output,
        output_format=output_format,
        policy=policy,
        regimen_dirs=settings.regimen_dirs,
        policy_dirs=settings.policy_dirs,
        engine=engine,
        scheduler=scheduler,
        progress=True,
    )
    _out(summary.table())
    if summary.failing:
        raise FindingsFound(f"{summary.failing} order(s) outside tolerance")
