"""The ``compliance`` command: parses options, calls the pipeline, renders errors, sets the exit.

Exit status: 0 clean, 1 findings at or above ``--fail-on``, 2 unusable input or usage,
3 an internal error (a bug in this tool: please report it; ``--debug`` shows the traceback),
130 interrupted (SIGINT).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from compliance import __version__
from compliance.errors import ComplianceError, InputError, Problem, UsageError
from compliance.paths import working_directory

EXIT_INPUT = 2
EXIT_INTERNAL = 3
#: The shell's status for a process ended by SIGINT (128 + 2): Ctrl-C, or ``kill -INT`` (the
#: same as :data:`compliance.console.EXIT_INTERRUPTED`, which this module must not import:
#: importing the console script sets the process's SIGINT handler)
EXIT_INTERRUPTED = 130


def _resolvable(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``value``, the file or folder (or the tuple of them) an option or argument names, as
    given. An empty one (a variable left unset: ``check "$FILE"``) names nothing, though read
    it would be the working directory; and a relative one starts at the working directory, so
    it needs one that still exists. Either is a :class:`UsageError` naming the option or the
    path (exit 2), never a problem of no file or an internal error where the run first
    resolves it."""
    for path in value if isinstance(value, tuple) else (value,):
        if path == "":
            name = param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
            raise UsageError(f"{name}: '' is an empty path, which names no file or folder")
        if path is not None and not os.path.isabs(path):
            working_directory(f"{path}: a relative path")
    return value


def _output(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An ``--output`` that may be standard output: ``-`` stands for it, as leaving the
    option out does (the usual convention, rather than a file named ``-``)."""
    return None if value == "-" else _resolvable(ctx, param, value)


def _file_output(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An ``--output`` that must be a file (a baseline names paths relative to it)."""
    if value == "-":
        raise UsageError(f"{param.opts[0]} -: this output is a file to keep, not standard output")
    resolved: str = _resolvable(ctx, param, value)
    return resolved


#: ``--output`` of a command that writes a report
_REPORT_OUTPUT = click.option(
    "--output", "-o", callback=_output, metavar="FILE", help="Write the report here (`-` or none: stdout)."
)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    digits = value[:4] + value[5:7] + value[8:]
    if not (len(value) == 10 and value[4] == "-" == value[7] and digits.isascii() and digits.isdigit()):
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:  # written as a date, but the month or the day does not exist
        raise click.BadParameter(f"{value!r}: there is no such day ({exc})") from None


def _echo_problems(problems: Sequence[Problem]) -> None:
    for p in problems:
        _echo_error(p.render())


def _echo_error(line: str) -> None:
    """One line on stderr, with the input's control characters shown as escapes. When stderr
    cannot be written (closed, full) there is nowhere to say so: the exit status still does."""
    from compliance.terminal import printable

    err = sys.stderr
    if err is None:  # started with stderr closed
        return
    try:
        if err.isatty():
            click.echo(printable(line), err=True)
        else:  # a pipe or file, perhaps non-blocking (CI runners): every line or an error
            _write_all(err, printable(line) + "\n")
    except OSError:
        _discard(err)


def _discard(stream: Any) -> None:
    """Point ``stream``'s file descriptor at /dev/null: what it could not write stays buffered,
    and the flush at exit would fail again with a traceback-like warning."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


class _ReaderGone(Exception):
    """Standard output's reader has gone (``| head``, a closed pipe) before the output was
    written: the run did not deliver its result, so it ends with status 2, quietly (nobody
    is reading, and 1 would claim a finding)."""


def _write(text: str | bytes, output: str | None) -> None:
    """Write a command's output (text, or UTF-8 bytes) to stdout or to the file ``output``."""
    if output is None:
        out = sys.stdout
        if out is None:  # started with stdout closed (`>&-`): nothing can reach a reader
            raise _ReaderGone
        try:
            if out.isatty():  # a terminal: click writes text as the console needs it
                click.echo(text.decode("utf-8") if isinstance(text, bytes) else text, nl=False)
            else:
                _write_all(out, text)
        except OSError as exc:
            _discard(out)
            if exc.errno == errno.EPIPE:
                raise _ReaderGone from None
            raise ComplianceError(f"standard output: cannot write: {exc.strerror}") from None
        return
    data = text if isinstance(text, bytes) else text.encode("utf-8", _UNENCODABLE)
    try:
        _replace_file(output, data)
    except OSError as exc:
        raise ComplianceError(f"{output}: cannot write: {exc.strerror}") from None


#: The temporary file :func:`_replace_file` is writing, if any: removed on Ctrl-C as well.
_PARTIAL: list[str] = []


def _replace_file(output: str, data: bytes) -> None:
    """Write ``data`` to the file ``output`` whole or not at all: into a temporary file beside
    it, then renamed over it, so a full disk or a size limit leaves the previous report (or no
    file), never one cut short that CI would upload. A link is followed (its target replaced);
    an existing file keeps its permissions. A device or pipe (``/dev/stdout``) is written to
    directly. Raises ``OSError``."""
    if os.path.exists(output) and not os.path.isfile(output):
        # a device or pipe, perhaps through a link (/dev/stdout, a shell's >(...)): resolved, its
        # /proc path names nothing one could create a file beside
        with open(output, "wb") as fh:
            fh.write(data)
        return
    target = os.path.realpath(output)
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)  # `-o dataflows/manifest.yaml` in a new repository
    temporary = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.partial")
    _PARTIAL.append(temporary)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(temporary, os.stat(target).st_mode & 0o7777)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)  # a full disk may say so only here
        finally:
            os.close(fd)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # gone already once renamed
        _PARTIAL.remove(temporary)


#: How text that cannot be encoded is written: as Python escapes (a file name that is not
#: UTF-8 arrives as lone surrogates; in JSON, ``\udce9`` is then the string's own escape).
_UNENCODABLE = "backslashreplace"


def _write_all(stream: Any, text: str | bytes) -> None:
    """Write ``text`` to the file descriptor of ``stream`` (a pipe or file), every byte or an
    ``OSError``. Python's buffered writer reports success when a pipe's reader goes away in
    the middle of a large write and drops the rest; a report cut short must not pass for
    one delivered."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # an in-memory stream (a caller capturing the output)
        stream.write(text.decode("utf-8") if isinstance(text, bytes) else text)
        stream.flush()
        return
    stream.flush()
    if not isinstance(text, bytes):
        text = text.encode(stream.encoding or "utf-8", _UNENCODABLE)
    data = memoryview(text)
    while data:
        try:
            data = data[os.write(fd, data) :]
        except BlockingIOError:  # a non-blocking stdout (some CI runners): wait until writable
            import select

            select.select([], [fd], [])


def _color(output: str | None) -> bool:
    return output is None and sys.stdout is not None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


class _Interrupted(Exception):
    """A command run in-process was interrupted (``KeyboardInterrupt``). Raised in its place,
    which click would turn into a blank line and "Aborted!"; rendered once, as one line, by
    :func:`_main`. The console script ends at once instead (:func:`_interrupt_now`)."""


class _Commands(click.Group):
    """The command group: an interrupt while the options are parsed or a command runs reaches
    :func:`_main` as :class:`_Interrupted`."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        """Parse the options (see :class:`click.Group`), interruptible as :meth:`invoke` is."""
        with _interruptible():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command ``ctx`` names; ``KeyboardInterrupt`` becomes :class:`_Interrupted`."""
        with _interruptible():
            return super().invoke(ctx)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        raise _Interrupted from None


def _interrupt_now(signum: int, frame: object) -> None:
    """The console script's SIGINT handler (Ctrl-C): stop the ``--jobs`` workers, say so in one
    line and end with status 130, at once. Raising ``KeyboardInterrupt`` wherever the run is
    would not do: inside a C extension (pydantic-core building its validator) it is printed
    as an ignored exception and lost, or becomes another error (an internal error, exit 3)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while ending changes nothing
    parallel = sys.modules.get("compliance.parallel")
    if parallel is not None:
        parallel.stop_workers()
    for partial in _PARTIAL:  # the previous report stays; no half-written file beside it
        with contextlib.suppress(OSError):
            os.unlink(partial)
    with contextlib.suppress(OSError):  # the file descriptor, not sys.stderr, which the run
        os.write(2, b"interrupted\n")  # may be in the middle of writing
    os._exit(EXIT_INTERRUPTED)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check data-flow manifests against China and EU cross-border transfer rules."""
    ctx.ensure_object(dict)["debug"] = debug


_as_of = click.option(
    "--as-of",
    "as_of",
    callback=_parse_date,
    metavar="DATE",
    help="Judge as of this date (YYYY-MM-DD; default: today, UTC).",
)


def _parse_jobs(ctx: click.Context, param: click.Parameter, value: str) -> int:
    if value != "auto" and not (value.isascii() and value.isdigit()):
        raise UsageError(f"--jobs: {value!r} is not a number of processes (1, 2, ...; 0 or auto: per CPU)")
    return (0 if value == "auto" else int(value)) or os.cpu_count() or 1


_jobs = click.option(
    "--jobs",
    "-j",
    "jobs",
    default="1",
    callback=_parse_jobs,
    metavar="N",
    help="Check the files with N processes (default 1; 0 or auto: one per CPU). "
    "The report is the same whatever N.",
)


_config = click.option(
    "--config",
    "config_file",
    callback=_resolvable,
    metavar="FILE",
    help="Configuration file (default: .compliance.yaml or [tool.compliance] in pyproject.toml, "
    "found walking up from the working directory).",
)
_rules_dirs = click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    callback=_resolvable,
    metavar="DIR",
    help="Extra rule folder (repeatable).",
)
_packs = click.option(
    "--pack",
    "packs",
    multiple=True,
    metavar="NAME",
    help="Shipped pack to run (repeatable; default: all).",
)


def _plan(
    config_file: str | None,
    files: tuple[str, ...],
    packs: tuple[str, ...],
    rules_dirs: tuple[str, ...],
) -> tuple[Any, list[str], list[Any], list[Problem]]:
    """The configuration (or ``None``), the manifests to check, the packs to run them with and
    the problems of the set to check (see :func:`_manifests`).

    Options win over the configuration; a given file outside the configured set gets a note
    (:func:`_note_outside_set`).
    """
    from compliance.run import shipped_packs

    config, paths, problems = _manifests(config_file, files)
    if files and config is not None and config.manifests:
        _note_outside_set(paths[len(files) :], files)  # paths: the files, then the configured set
    chosen, folders = _packs_and_folders(config, packs, rules_dirs)
    loaded = shipped_packs(chosen, folders)
    if config is not None:
        loaded = config.adjust(loaded, lambda: _every_rule_id(folders))
    return config, paths, loaded, problems


def _every_rule_id(folders: Sequence[str]) -> set[str]:
    """The ids of every rule the tool knows: all shipped packs and the extra rule ``folders``,
    whatever a run chooses or the configuration disables."""
    from compliance.run import shipped_packs

    return {r.id for p in shipped_packs(None, folders) for r in p.rules}


def _stop_on(problems: Sequence[Problem]) -> None:
    """Say each of ``problems`` on stderr and exit 2, if there is any."""
    if problems:
        _echo_problems(problems)
        sys.exit(EXIT_INPUT)


def _run_rule_ids(config: Any, packs: tuple[str, ...], rules_dirs: tuple[str, ...]) -> set[str]:
    """The ids of the rules a run loads before the configuration disables or re-rates any."""
    from compliance.run import shipped_packs

    return {r.id for p in shipped_packs(*_packs_and_folders(config, packs, rules_dirs)) for r in p.rules}


def _packs_and_folders(
    config: Any, packs: tuple[str, ...], rules_dirs: tuple[str, ...]
) -> tuple[list[str] | None, tuple[str, ...]]:
    """The shipped packs to run (``None``: all) and the extra rule folders: options first,
    then the configuration."""
    chosen = list(packs) or (list(config.packs) if config is not None and config.packs else None)
    return chosen, rules_dirs or (config.rules if config is not None else ())


def _manifests(config_file: str | None, files: tuple[str, ...]) -> tuple[Any, list[str], list[Problem]]:
    """The configuration (or ``None``), the manifests a command reads (``files``, then the
    configured ``manifests``) and the problems of that set: a configured glob that matches
    nothing, and nothing to check at all, which is unusable input as a folder without
    manifests is (a CI job whose configuration was emptied by mistake must not pass)."""
    from compliance.config import load_config

    config = load_config(config_file)
    configured, problems, hidden = config.manifest_files() if config is not None else ([], [], [])
    _note_hidden([*files, *configured], hidden, [str(config.path)] if config is not None else [])
    if not files and not configured and not problems:
        if config is None:
            problems = [
                Problem(
                    "",
                    None,
                    None,
                    "nothing to check: no manifest files given and no configuration "
                    "(.compliance.yaml or [tool.compliance] in pyproject.toml) with `manifests`",
                )
            ]
        else:
            message = "manifests: nothing to check: no manifest files given or configured"
            problems = [config.problem(("manifests",), message)]
    return config, [*files, *configured], problems


def _note_hidden(
    paths: Sequence[str],
    hidden: Sequence[Any] = (),
    named: Sequence[str] = (),
    suffixes: tuple[str, ...] | None = None,
) -> None:
    """A ``note:`` on stderr for each hidden file or folder holding manifests (files ending in
    ``suffixes``, default: the manifests') that the folders of ``paths`` leave out, after
    those ``hidden`` found by configured globs; not for ``named`` files (the configuration)."""
    from compliance.run import MANIFEST_SUFFIXES, skipped_hidden

    suffixes = suffixes or MANIFEST_SUFFIXES
    for skipped in skipped_hidden(paths, suffixes, named=named, also=hidden):
        _echo_error(skipped.note(suffixes))


def _note_outside_set(configured: Sequence[str], given: Sequence[str]) -> None:
    """A ``note:`` on stderr for each manifest of ``given`` that the ``configured`` set does not
    hold: a run of the set alone (the CI job) would not check it, nor count its individuals."""
    from compliance.run import expand_paths, file_key

    try:
        held = {file_key(f) for f in expand_paths(configured)}
        files = expand_paths(given)
    except InputError:
        return  # reported by the run itself
    for f in files:
        if file_key(f) not in held:
            _echo_error(
                f"note: {f} is not in the configured `manifests` set: a run of the set alone does "
                "not check it nor count its individuals"
            )


def _guard_output(
    output: str | None,
    paths: Sequence[str],
    read: Sequence[str | None],
    rule_dirs: Sequence[str] = (),
    *,
    draft: bool = False,
) -> list[str]:
    """Refuse an ``--output`` that would overwrite a file the run reads; return the files that
    folders in ``paths`` may hold but that are not manifests (see
    :func:`compliance.run.expand_paths`): those in ``read`` (baseline, Terraform plan,
    configuration) and ``output`` when it holds an earlier report or baseline of this tool.
    Files are compared as files (``os.path.samefile``: any spelling, symbolic or hard link).

    Raises :class:`UsageError` when ``output`` is one of ``read``, a file of ``rule_dirs``, a
    manifest of the run or, unless the output is a ``draft`` manifest itself (``import``, whose
    own ``--force`` decides), any other manifest.
    """
    others = [f for f in read if f is not None]
    if output is None or not os.path.exists(output):
        return others  # nothing there to overwrite
    if any(_same_file(output, f) for f in others) or any(
        _same_file(output, str(f)) for d in rule_dirs for f in Path(d).rglob("*") if f.is_file()
    ):
        raise UsageError(f"{output}: this run reads it too; write the output to another file")
    named = [p for p in paths if not os.path.isdir(p)]
    if any(_same_file(output, p) for p in named):
        raise UsageError(f"{output}: is a manifest this run checks; write the output to another file")
    from compliance.run import MANIFEST_SUFFIXES, expand_paths

    # only a .yaml/.yml/.json file can be an earlier report or baseline that folders hold, or
    # a manifest this run does not check (a pre-commit hook given `-o.dataflow.yaml` as a file
    # name, with args of one's own that lack the closing `--`, reads it as `-o .dataflow.yaml`)
    kind = _output_kind(output) if output.lower().endswith(MANIFEST_SUFFIXES) else None
    if kind == "earlier":
        return [*others, output]
    try:  # a link may give a manifest of a checked folder another name
        manifests = expand_paths(paths, others)
    except InputError:  # reported by the run itself
        manifests = []
    if any(_same_file(output, f) for f in manifests):
        raise UsageError(f"{output}: is a manifest this run checks; write the output to another file")
    if kind == "manifest" and not draft:
        raise UsageError(
            f"{output}: holds a manifest; write the output to another file (a file named like an "
            "option, -o..., is read as one: put `--` before the files)"
        )
    return others


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _output_kind(path: str) -> str | None:
    """``earlier`` when ``path`` holds a JSON report, SARIF log or baseline this tool wrote,
    ``manifest`` when it holds a manifest (its ``manifest_version``, also in a file that does
    not parse: a manifest half-way through an edit), else ``None``."""
    from compliance.sources.document import read_document
    from compliance.validate import other_document

    try:
        data = read_document(path, what="earlier output file").data
    except InputError:
        try:
            with open(path, "rb") as f:
                return "manifest" if b"manifest_version" in f.read() else None
        except OSError:
            return None
    if not isinstance(data, dict):
        return None
    if "manifest_version" in data:
        return "manifest"
    return "earlier" if other_document(data) is not None else None


@cli.command()
@click.argument("files", nargs=-1, callback=_resolvable)
@_config
@_rules_dirs
@_packs
@_as_of
@click.option(
    "--fail-on",
    type=click.Choice(["low", "medium", "high", "critical"]),
    help="Lowest severity of a violation or needs-review finding that fails the run "
    "(default: the configuration's fail_on, else low).",
)
@click.option(
    "--format",
    "fmt",
    help="Output format: text, json, sarif, junit, github, markdown "
    "(default: the configuration's format, else text).",
)
@_REPORT_OUTPUT
@click.option("--explain", is_flag=True, help="Add each finding's remediation to text output.")
@click.option(
    "--terraform",
    "terraform",
    callback=_resolvable,
    metavar="PLAN.json",
    help="Cross-check systems' `terraform` addresses against this `terraform show -json` plan.",
)
@click.option(
    "--baseline",
    "baseline_file",
    callback=_resolvable,
    metavar="FILE",
    help="Report only findings this baseline (written by `compliance baseline`) does not hold.",
)
@_jobs
def check(
    files: tuple[str, ...],
    config_file: str | None,
    rules_dirs: tuple[str, ...],
    packs: tuple[str, ...],
    as_of: dt.date,
    fail_on: str | None,
    fmt: str | None,
    output: str | None,
    explain: bool,
    terraform: str | None,
    baseline_file: str | None,
    jobs: int,
) -> None:
    """Check manifest FILES (or folders of them); exit 1 on findings, 2 on unusable input.

    With `manifests` configured, facts and organization totals cover the configured set as well
    as FILES, and findings are reported for FILES only (all of the set when no FILES are given).
    """
    from compliance.formats import FORMATS, RenderOptions, render_bytes
    from compliance.run import check as run_check

    if fmt is not None and fmt not in FORMATS:
        raise click.BadParameter(f"{fmt!r}; choose one of {', '.join(FORMATS)}", param_hint="--format")
    inputs = [*files, baseline_file, terraform, config_file]  # never written over
    try:
        config, paths, loaded_packs, problems = _plan(config_file, files, packs, rules_dirs)
    except (InputError, UsageError) as exc:
        _failed_run_report(exc, output, fmt, as_of, fail_on, inputs)
        raise
    others = _guard_output(
        output,
        paths,
        [baseline_file, terraform, config.path if config else None],
        rules_dirs or (config.rules if config is not None else ()),
    )
    fmt = fmt or (config.format if config is not None else None) or "text"
    if explain and fmt != "text":  # json, sarif and junit carry each remediation anyway
        raise UsageError(f"--explain adds remediations to text output only, not to {fmt}")
    fail_on = fail_on or (config.fail_on if config is not None else None) or "low"
    recorded = None
    if baseline_file is not None:
        from compliance import baseline

        try:
            recorded = baseline.load(baseline_file)
        except InputError as exc:
            _failed_run_report(exc, output, fmt, as_of, fail_on, inputs)
            raise
    report = run_check(
        paths,
        loaded_packs,
        as_of,
        terraform=terraform,
        report_for=files if files and config else None,
        jobs=jobs,
        not_manifests=others,
        keep=click.get_current_context().find_root().obj.get("process_ends", False),
        silenced=config.silenced() if config is not None else (),
    )
    report.errors[:0] = problems  # in the report too: every format records why the run failed
    if recorded is not None and baseline_file is not None:
        from compliance import baseline

        every = _every_rule_id(_packs_and_folders(config, packs, rules_dirs)[1])
        baseline.apply(report, recorded, baseline_file, skipped=every - {r.id for r in report.rules})
    _echo_problems(report.errors)
    options = RenderOptions(color=_color(output), explain=explain, fail_on=fail_on)
    _write(render_bytes(fmt, report, options), output)
    sys.exit(report.exit_status(fail_on))


#: The formats a CI step publishes (code scanning, test reports, step summaries)
_PUBLISHED = ("sarif", "json", "junit", "markdown")
_JUNIT_START = re.compile(r'<\?xml[^>]*>\s*<testsuites name="dataflow-compliance"')


def _earlier_report(path: str, fmt: str) -> bool:
    """Whether the regular file at ``path`` is a report of this tool in format ``fmt``, by its
    own marks: a SARIF log whose driver is dataflow-compliance, a JSON report naming this tool,
    a JUnit file or a Markdown summary beginning as this tool writes them."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # a pipe, a device: never read, never written here
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if fmt == "junit":
        return _JUNIT_START.match(head.decode("utf-8", "replace")) is not None
    if fmt == "markdown":
        return head.startswith(b"## dataflow-compliance: ")
    try:
        import json

        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):  # RecursionError: nesting too deep to read
        return False
    if not isinstance(data, dict):
        return False
    if fmt == "json":
        tool = data.get("tool")
        return (
            "report_version" in data and isinstance(tool, dict) and tool.get("name") == "dataflow-compliance"
        )
    runs: Any = data.get("runs")
    try:
        return data.get("version") == "2.1.0" and runs[0]["tool"]["driver"]["name"] == "dataflow-compliance"
    except (TypeError, KeyError, IndexError):
        return False


def _failed_run_report(
    exc: InputError | UsageError,
    output: str | None,
    fmt: str | None,
    as_of: dt.date,
    fail_on: str | None,
    read: Sequence[str | None],
) -> None:
    """When ``check`` cannot run at all (a broken configuration, rules folder, pack name or
    baseline) and was to write a published format to ``output``: a report of the failed run
    there, naming the errors, so that a CI step publishing ``output`` afterwards does not
    publish an earlier run's report as this one's. Only where nothing is, or where a regular
    file holds an earlier report of this tool in that format (:func:`_earlier_report`), and
    never over a file the run was to read (``read``: the named manifests, baseline, plan,
    configuration). ``exc`` is then raised by the caller as usual (stderr, exit 2)."""
    if output is None or fmt not in _PUBLISHED:
        return
    taken = any(f is not None and _same_file(output, f) for f in read)
    if os.path.lexists(output) and (taken or not _earlier_report(output, fmt)):
        return
    from compliance.findings import Report
    from compliance.formats import RenderOptions, render_bytes

    errors = exc.problems if isinstance(exc, InputError) else [Problem("", None, None, str(exc))]
    report = Report(as_of, __version__, {}, [], errors=list(errors))
    options = RenderOptions(color=False, explain=False, fail_on=fail_on or "low")
    with contextlib.suppress(ComplianceError):
        _write(render_bytes(fmt, report, options), output)


@cli.command("baseline")
@click.argument("files", nargs=-1, callback=_resolvable)
@click.option(
    "--output", "-o", callback=_file_output, metavar="FILE", required=True, help="Write the baseline here."
)
@_config
@_rules_dirs
@_packs
@_as_of
@_jobs
def baseline_(
    files: tuple[str, ...],
    output: str,
    config_file: str | None,
    rules_dirs: tuple[str, ...],
    packs: tuple[str, ...],
    as_of: dt.date,
    jobs: int,
) -> None:
    """Record today's violation and needs-review findings of FILES (default: the configured set)
    so that `check --baseline FILE` reports only new ones. Exit 2 if any input is unusable."""
    from compliance.baseline import record
    from compliance.findings import COUNTED
    from compliance.run import check as run_check

    config, paths, loaded_packs, problems = _plan(config_file, files, packs, rules_dirs)
    _stop_on(problems)
    others = _guard_output(
        output, paths, [config.path if config else None], rules_dirs or (config.rules if config else ())
    )
    report = run_check(
        paths,
        loaded_packs,
        as_of,
        report_for=files if files and config else None,
        jobs=jobs,
        not_manifests=others,
    )
    if report.errors:
        _echo_problems(report.errors)
        sys.exit(EXIT_INPUT)
    _write(record(report, output), output)
    count = sum(1 for f in report.findings if f.outcome in COUNTED)
    _echo_error(f"{output}: {count} finding{'s' if count != 1 else ''} recorded")


@cli.command()
@click.argument("files", nargs=-1, callback=_resolvable)
@_config
def validate(files: tuple[str, ...], config_file: str | None) -> None:
    """Validate manifest FILES (default: the configured set) against the v1 format, and the
    files of one organization against each other, over the configured set as well, as `check`
    does (they must agree on its establishment, CIIO and state-organ status and spell its name
    alike); exit 0 if all are valid, else 2. Nothing to validate exits 2, as for `check`."""
    from compliance.facts import disputed, org_claim, org_conflicts
    from compliance.facts.graph import build_graph
    from compliance.run import find_manifests, load_manifests

    # the configuration is read as `check` reads it, rule settings included, so that the two
    # never disagree on whether it is usable
    config, paths, _, problems = _plan(config_file, files, (), ())
    inputs, unlisted = find_manifests(paths, [str(config.path)] if config is not None else [])
    unusable = {p.file for p in unlisted}
    loaded, unreadable = load_manifests([f for f in inputs if f not in unusable])
    problems += unlisted + unreadable
    today = dt.date.today()
    claims = [org_claim(m.path, build_graph(m.manifest, m.taxonomy, today)) for m in loaded]
    conflicts = org_conflicts(claims)
    by_file = {m.path: m for m in loaded}
    problems += [by_file[c.file].document.problem(c.node_path, c.message) for c in conflicts]
    problems += [
        Problem(f, None, None, "not valid: the files naming its organization disagree (see above)")
        for f in disputed(claims, conflicts)[1]
    ]
    _echo_problems(problems)
    flawed = {p.file for p in problems}
    shown = set(find_manifests(files)[0]) if files else None
    for m in loaded:
        if m.path not in flawed and (shown is None or m.path in shown):
            _echo_error(f"{m.path}: valid")
    sys.exit(EXIT_INPUT if problems else 0)


@cli.command()
@click.argument("files", nargs=-1, callback=_resolvable)
@_as_of
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "markdown", "csv"]),
    default="html",
    show_default=True,
    help="html: the whole audit as one self-contained page; csv: the transfer register.",
)
@_REPORT_OUTPUT
@_config
@_rules_dirs
@_packs
@_jobs
def report(
    files: tuple[str, ...],
    as_of: dt.date,
    fmt: str,
    output: str | None,
    config_file: str | None,
    rules_dirs: tuple[str, ...],
    packs: tuple[str, ...],
    jobs: int,
) -> None:
    """Write the audit report of manifest FILES (default: the configured set): what was checked,
    a map of the flows, the transfer register, CN volumes, findings, waivers. The
    configuration applies as for `check` (totals over the configured set, disabled rules,
    severities). Exit 2 if any input is unusable."""
    from compliance.audit.render import render as render_audit
    from compliance.audit.view import from_manifests

    config, paths, loaded_packs, problems = _plan(config_file, files, packs, rules_dirs)
    _stop_on(problems)
    others = _guard_output(
        output, paths, [config.path if config else None], rules_dirs or (config.rules if config else ())
    )
    result, audit = from_manifests(
        paths,
        loaded_packs,
        as_of,
        jobs=jobs,
        not_manifests=others,
        report_for=files if files and config else None,
        config=str(config.path) if config is not None else None,
        silenced=config.silenced() if config is not None else (),
        adjustments=config.adjustments(_run_rule_ids(config, packs, rules_dirs))
        if config is not None
        else (),
    )
    if audit is None:
        _echo_problems(result.errors)
        sys.exit(EXIT_INPUT)
    _write(render_audit(audit, fmt), output)


@cli.group("import")
def import_() -> None:
    """Draft manifest parts from what teams already have (Fides resources, Terraform plans)."""


_FORCE = click.option(
    "--force", is_flag=True, help="Replace an existing --output file (what was filled in there is lost)."
)


def _keep_existing(output: str | None, force: bool) -> None:
    """Refuse to replace an existing ``output`` with a draft unless ``force``: the file may be
    the filled-in manifest that the draft was once (an import rerun must not undo that work)."""
    if output is not None and not force and os.path.exists(output):
        raise UsageError(
            f"{output}: already exists, and a draft would replace what was filled in there; "
            "write to another file and compare, or give --force to replace it"
        )


@import_.command("fides")
@click.argument("paths", nargs=-1, required=True, callback=_resolvable)
@click.option(
    "--output",
    "-o",
    callback=_output,
    metavar="FILE",
    help="Write the manifest here (`-` or none: stdout).",
)
@_FORCE
def import_fides(paths: tuple[str, ...], output: str | None, force: bool) -> None:
    """Write a draft v1 manifest from fideslang YAML files or folders (systems, datasets,
    organization)."""
    from compliance.sources.fides import SUFFIXES
    from compliance.sources.fides import import_fides as run_import

    _guard_output(output, paths, [], draft=True)
    _keep_existing(output, force)
    _note_hidden(paths, suffixes=SUFFIXES)
    result = run_import(paths)
    for note in result.notes:
        _echo_error(f"note: {note}")
    _write(result.to_yaml(paths), output)


@import_.command("terraform")
@click.argument("plan", callback=_resolvable)
@click.option(
    "--output",
    "-o",
    callback=_output,
    metavar="FILE",
    help="Write the systems here (`-` or none: stdout).",
)
@_FORCE
def import_terraform(plan: str, output: str | None, force: bool) -> None:
    """Propose systems (id, location, terraform address) from a `terraform show -json` plan."""
    from compliance.sources.terraform import propose_systems, read_plan

    _guard_output(output, [], [plan], draft=True)
    _keep_existing(output, force)
    parsed = read_plan(plan)
    for res in parsed.resources.values():
        if res.holds_data and res.location is None:
            _echo_error(f"{plan}: {res.address}: no location proposed: {res.unknown}")
    _write(propose_systems(parsed), output)


@cli.command()
@click.option("--rules", "rules", is_flag=True, help="Print the rule-file schema instead.")
@click.option("--report", "report", is_flag=True, help="Print the JSON report's schema instead.")
def schema(rules: bool, report: bool) -> None:
    """Print the JSON Schema of manifest v1 (or of rule files, or of the JSON report)."""
    import json

    if rules and report:
        raise click.UsageError("give --rules or --report, not both")
    if report:
        from compliance.formats.json_report import REPORT_SCHEMA

        _write(REPORT_SCHEMA.read_bytes(), None)
        return
    if rules:
        from compliance.policy.rules import rule_schema

        doc = rule_schema()
    else:
        from compliance.validate import manifest_schema

        doc = manifest_schema()
    _write(json.dumps(doc, indent=2, sort_keys=False) + "\n", None)


@cli.group()
def rules() -> None:
    """List, explain and test rule packs."""


def _rule_packs(packs: tuple[str, ...], rules_dirs: tuple[str, ...]) -> list[Any]:
    """The packs `rules list`, `rules test` and `explain` work on: every shipped pack and the
    `--rules` folders (else the configuration's `rules` folders), narrowed to the packs named
    by `--pack` (shipped or extra). Raises :class:`UsageError` for a name no pack has."""
    from compliance.run import shipped_packs

    folders = rules_dirs
    if not folders:
        from compliance.config import load_config

        config = load_config(None)
        folders = tuple(config.rules) if config is not None else ()
    loaded = shipped_packs(None, folders)
    if not packs:
        return loaded
    ids = [p.id for p in loaded]
    unknown = [name for name in packs if name not in ids]
    if unknown:
        same = [i for i in ids if i.casefold() == unknown[0].casefold()]
        hint = f"; did you mean {same[0]!r}?" if same else ""
        raise UsageError(f"no rule pack {unknown[0]!r} (loaded: {', '.join(ids)}){hint}")
    return [p for p in loaded if p.id in packs]


_pack_choice = click.option(
    "--pack",
    "packs",
    multiple=True,
    metavar="NAME",
    help="Only this pack, shipped or from --rules (repeatable; default: all).",
)
_rules_or_config = click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    callback=_resolvable,
    metavar="DIR",
    help="Extra rule folder (repeatable; default: the configuration's `rules`).",
)


@rules.command("list")
@_pack_choice
@_rules_or_config
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_list(packs: tuple[str, ...], rules_dirs: tuple[str, ...], fmt: str) -> None:
    """List the rules with citation, severity and effective dates."""
    from compliance.policy.catalogue import list_rules

    _write(list_rules(_rule_packs(packs, rules_dirs), fmt), None)


@rules.command("test")
@_pack_choice
@_rules_or_config
def rules_test(packs: tuple[str, ...], rules_dirs: tuple[str, ...]) -> None:
    """Run every rule's firing and non-firing cases; exit 1 if any fails, 2 if a case file is
    unusable."""
    from compliance.policy.casetests import run_pack_tests

    failures, total = run_pack_tests(_rule_packs(packs, rules_dirs), echo=lambda s: _write(s + "\n", None))
    _write(f"{total - failures} passed, {failures} failed\n", None)
    sys.exit(1 if failures else 0)


@cli.command()
@click.argument("rule_id")
@_rules_or_config
def explain(rule_id: str, rules_dirs: tuple[str, ...]) -> None:
    """Print a rule's full documentation (what, why, how to fix, references)."""
    from compliance.policy.catalogue import explain_rule

    _write(explain_rule(_rule_packs((), rules_dirs), rule_id), None)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the console script; never lets a traceback reach the user.

    With ``argv`` (tests, callers running commands in-process) the command's ``SystemExit``
    propagates. Without it (the console script) the process ends right after the command:
    once its output is flushed, :func:`os._exit` skips freeing the command's objects one by
    one (``check`` keeps its loaded files for this: ~0.6 s at 100,000 flows, issue 7).
    """
    # A command's objects live until it ends, so the cyclic collector has nothing to free;
    # left on, its passes over a large check's heap cost more than rendering the report.
    # Restored after, for callers that run commands in-process (tests).
    was_enabled = gc.isenabled()
    gc.disable()
    if argv is None:
        import signal

        signal.signal(signal.SIGINT, _interrupt_now)
    try:
        _main(argv)
    except SystemExit as exc:
        if argv is None:
            _end_process(exc.code)
        raise
    finally:
        if argv is not None and was_enabled:
            gc.enable()


def _end_process(code: object) -> None:
    """End the process with exit status ``code`` (an int or ``None``) once stdout and stderr
    are flushed, without the interpreter's teardown; returns (leaving the exit to Python)
    for any other code. Output that cannot be flushed to stdout ends with status 2: the
    result did not reach its reader."""
    if code is not None and type(code) is not int:
        return
    status = code or 0
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        status = EXIT_INPUT
    with contextlib.suppress(OSError, ValueError):  # nowhere left to say anything
        if sys.stderr is not None:
            sys.stderr.flush()
    os._exit(status)


def _interrupted() -> NoReturn:
    """End a run interrupted in-process: one line on stderr, exit status 130 (as the shell
    gives)."""
    _echo_error("interrupted")
    sys.exit(EXIT_INTERRUPTED)


def _main(argv: Sequence[str] | None) -> NoReturn:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            standalone_mode=False,
            obj={"process_ends": argv is None},
        )
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INPUT)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # while click parsed the options
            _interrupted()
        click.echo("aborted", err=True)
        sys.exit(EXIT_INPUT)
    except _Interrupted:
        _interrupted()
    except InputError as exc:
        _echo_problems(exc.problems)
        sys.exit(EXIT_INPUT)
    except _ReaderGone:
        sys.exit(EXIT_INPUT)
    except ComplianceError as exc:
        _echo_error(f"error: {exc}")
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:  # in click itself, around the command
        _interrupted()
    except Exception as exc:  # a bug in this tool, never blamed on the input
        if debug:
            import traceback  # only here: a check never needs it otherwise

            traceback.print_exc()
        _echo_error(f"internal error ({type(exc).__name__}: {exc}); please report it with --debug output")
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)
