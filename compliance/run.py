"""The pipeline of ``compliance check``: load -> validate -> facts -> rules -> outcomes -> Report.

Every file is checked on its own: a file that cannot be read or validated becomes errors in
the report (and exit status 2) while the other files are still checked. Files are checked in
two phases by shards (:mod:`compliance.shard`): build each file, then join organizations across
files (conflicts, CN totals), then judge each file; with ``jobs`` the shards are processes
(:mod:`compliance.parallel`). The report is assembled here in file order, whatever the sharing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, NamedTuple, Protocol

from compliance import __version__
from compliance.errors import InputError, Problem
from compliance.facts import (
    Conflict,
    OrgClaim,
    disputed,
    merge_profiles,
    org_conflicts,
    org_leaders,
)
from compliance.facts.volumes import VolumeTotals, merge_totals
from compliance.findings import Finding, Report
from compliance.names import entity_fold
from compliance.outcomes import HeldWaiver, pack_notices
from compliance.paths import rules_root
from compliance.policy.rules import Pack, load_packs
from compliance.shard import Built, Judgement, Organizations, Shard, collector_paused, load_manifest
from compliance.validate import LoadedManifest

if TYPE_CHECKING:
    from compliance.sources.terraform import Plan

#: Shards of runs made with ``keep`` (see :func:`check`), held until the process ends.
_KEPT: list[Shard] = []

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def find_manifests(
    paths: Sequence[str],
    not_manifests: Sequence[str] = (),
    *,
    suffixes: tuple[str, ...] = MANIFEST_SUFFIXES,
    what: str = "manifest files",
) -> tuple[list[str], list[Problem]]:
    """The inputs of ``paths`` in order, folders expanded into the manifest files under them
    (files ending in one of ``suffixes``; ``what`` names them in problems), and the problems
    found expanding them.

    Folders are walked in sorted order, following symlinked folders, each folder once (by
    device and inode, so a symlink loop ends), and skipping hidden files and folders (which
    :func:`skipped_hidden` names). A file named or reached twice (``a.yaml`` and ``./a.yaml``,
    a folder and a file in it, a symbolic or hard link to it) is listed once, under its first
    spelling, so its individuals are not counted twice. Files of
    ``not_manifests`` (the run's baseline, output, Terraform plan or configuration) are
    skipped, whether a folder holds them or they are named (pre-commit names every changed
    file of a folder, the run's own baseline included).

    A folder holding no manifest files (a CI glob that matches nothing must not pass) and a
    folder that cannot be listed (not an empty one) are problems; each stays in the list in
    its place, as an input that could not be checked, and the other paths are still expanded.
    """
    out: list[str] = []
    problems: list[Problem] = []
    seen: set[object] = set()
    others = {file_key(f) for f in not_manifests}
    for p in paths:
        found: list[tuple[str, Problem | None]] = [] if file_key(p) in others else [(p, None)]
        if os.path.isdir(p):
            found = [
                (f, bad)
                for f, bad in _walk(p, suffixes)
                if isinstance(bad, Problem) or (bad is None and file_key(f) not in others)
            ]
            if not found:
                patterns = ", ".join(f"*{s}" for s in suffixes)
                found = [(p, Problem(p, None, None, f"no {what} ({patterns}) in this folder"))]
        for f, bad in found:
            key = file_key(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
                if bad is not None:
                    problems.append(bad)
    return out, problems


def expand_paths(
    paths: Sequence[str],
    not_manifests: Sequence[str] = (),
    *,
    suffixes: tuple[str, ...] = MANIFEST_SUFFIXES,
    what: str = "manifest files",
) -> list[str]:
    """The manifest files of ``paths`` (see :func:`find_manifests`). Raises
    :class:`InputError` for a folder holding no such files or that cannot be listed."""
    files, problems = find_manifests(paths, not_manifests, suffixes=suffixes, what=what)
    if problems:
        raise InputError(problems)
    return files


def holds_manifest(folder: str) -> bool:
    """Whether the folder ``folder`` holds a manifest file, as :func:`find_manifests` looks for
    them (or a folder it cannot list, a problem of its own); the walk stops at the first."""
    return any(not isinstance(bad, Skipped) for _, bad in _walk(folder, MANIFEST_SUFFIXES))


class Skipped(NamedTuple):
    """A hidden file or folder (``.team/``, ``.old.yaml``) that a search left out though it is,
    or holds, a file of the kind searched for: named in a note, never silently left out."""

    path: str
    folder: bool

    def note(self, suffixes: tuple[str, ...] = MANIFEST_SUFFIXES) -> str:
        """The ``note:`` line naming it, and how to have it checked."""
        *others, last = [f"*{s}" for s in suffixes]
        patterns = f"{', '.join(others)} or {last}" if others else last
        if self.folder:
            return (
                f"note: {self.path}: hidden folder not searched, though it holds {patterns} files; "
                "to check them, name the folder explicitly"
            )
        return f"note: {self.path}: hidden file not checked; to check it, name it explicitly"


def skipped_hidden(
    paths: Sequence[str],
    suffixes: tuple[str, ...] = MANIFEST_SUFFIXES,
    *,
    named: Sequence[str] = (),
    also: Sequence[Skipped] = (),
) -> list[Skipped]:
    """The hidden files and folders that searching the folders of ``paths`` leaves out though
    each is, or holds, a file ending in one of ``suffixes``, after those ``also`` found (by a
    configured glob): each once, whatever the spelling, and none that is one of ``paths`` or
    ``named`` (the run's configuration: read, not left out)."""
    seen = {file_key(f) for f in (*paths, *named)}
    walked = (bad for p in paths if os.path.isdir(p) for _, bad in _walk(p, suffixes))
    out = []
    for skipped in (*also, *(bad for bad in walked if isinstance(bad, Skipped))):
        key = file_key(skipped.path)
        if key not in seen:
            seen.add(key)
            out.append(skipped)
    return out


def file_key(path: str) -> object:
    """What identifies the file at ``path`` whatever its name: its device and inode (one file
    under two hard links), or, when it cannot be read (a missing file, reported later), its
    real path."""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return (st.st_dev, st.st_ino)


def expand_glob(folder: str, pattern: str) -> tuple[list[str], list[Skipped]]:
    """The files and folders matching the glob ``pattern`` (relative to ``folder``, or absolute)
    as ``glob.glob(pattern, recursive=True)`` matches them, sorted, each once whatever the
    spelling (by device and inode); and the hidden ones a wildcard left out that are, or hold,
    manifest files.

    Unlike ``glob``, ``**`` enters a folder once however many symlinks lead to it, as
    :func:`find_manifests` walks folders: a symlink loop ends (``sub/up -> ..``), where
    ``glob`` would list ever longer paths through it. Wildcards skip hidden names, as ``glob``
    does, unless the pattern's own part starts with a dot.
    """
    import fnmatch  # only a configuration with manifests needs it

    pure = PurePath(pattern)
    parts = pure.parts[1:] if pure.anchor else pure.parts
    hits: list[str] = []
    hidden: list[Skipped] = []
    expanded: set[tuple[int, object]] = set()  # (part, folder) pairs a ``**`` has expanded
    todo = [(os.path.join(folder, pure.anchor) if pure.anchor else folder, 0)]
    while todo:
        path, i = todo.pop()
        if i == len(parts):
            hits.append(path)
            continue
        part, last = parts[i], i + 1 == len(parts)
        if not _MAGIC.search(part):
            below = os.path.join(path, part)
            if os.path.lexists(below) if last else os.path.isdir(below):
                todo.append((below, i + 1))
            continue
        if part == "**":
            if (i, file_key(path)) in expanded:
                continue
            expanded.add((i, file_key(path)))
            todo.append((path, i + 1))  # no folder at all
        try:
            names = sorted(os.listdir(path))
        except OSError:
            continue  # as glob: a folder that cannot be listed matches nothing
        for name in names if part == "**" else fnmatch.filter(names, part):
            below = os.path.join(path, name)
            is_folder = os.path.isdir(below)
            if not (is_folder or last):
                continue
            if name.startswith(".") and not part.startswith("."):
                if _is_or_holds(below, is_folder, MANIFEST_SUFFIXES):
                    hidden.append(Skipped(below, is_folder))
            elif part == "**" and is_folder:
                todo.append((below, i))
            else:
                todo.append((below, i + 1))
    unique = {file_key(h): h for h in sorted(hits, reverse=True)}  # the first spelling wins
    return sorted(unique.values()), sorted(hidden)


#: What makes a part of a glob a pattern rather than a name (as :mod:`glob` tells them apart).
_MAGIC = re.compile("[*?[]")


def _walk(top: str, suffixes: tuple[str, ...]) -> Iterator[tuple[str, Problem | Skipped | None]]:
    """The files ending in one of ``suffixes`` under the folder ``top``, each as ``(path,
    None)``; each folder under it that cannot be listed as ``(folder, problem)``; and each
    hidden file or folder left out that is, or holds, such a file as ``(path, skipped)``.

    Symlinked folders are followed, each folder once (by device and inode), so that a loop
    ends; hidden folders are not searched (``.github/workflows/*.yml`` are not manifests), but
    looked into until the first such file, to name them."""
    unreadable: list[OSError] = []
    visited = {file_key(top)}

    def flush() -> Iterator[tuple[str, Problem | None]]:
        for exc in unreadable:
            folder = str(exc.filename)
            yield folder, Problem(folder, None, None, f"cannot read this folder: {exc.strerror}")
        unreadable.clear()

    for root, dirs, files in os.walk(top, onerror=unreadable.append, followlinks=True):
        yield from flush()
        for name in sorted(d for d in dirs if d.startswith(".")):
            if _is_or_holds(folder := os.path.join(root, name), True, suffixes):
                yield folder, Skipped(folder, folder=True)
        dirs[:] = _unvisited(root, sorted(d for d in dirs if not d.startswith(".")), visited)
        for name in sorted(files):
            if name.lower().endswith(suffixes):
                path = os.path.join(root, name)
                yield path, Skipped(path, folder=False) if name.startswith(".") else None
    yield from flush()


def _unvisited(root: str, names: Sequence[str], visited: set[object]) -> list[str]:
    """The folders ``names`` of ``root`` that are not ``visited`` (device and inode), now
    added to it: a folder that two names or symlinks lead to is walked once."""
    out = []
    for name in names:
        key = file_key(os.path.join(root, name))
        if key not in visited:
            visited.add(key)
            out.append(name)
    return out


#: Version-control folders: never manifests, and often large, so never looked into
_VCS_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr"})


def _is_or_holds(path: str, folder: bool, suffixes: tuple[str, ...]) -> bool:
    """Whether the file ``path`` ends in one of ``suffixes``, or the ``folder`` holds such a
    file, hidden or not (looked for until the first, each folder once; a version-control
    folder such as ``.git`` is never looked into)."""
    if not folder:
        return path.lower().endswith(suffixes)
    if os.path.basename(path) in _VCS_FOLDERS:
        return False
    visited = {file_key(path)}
    for root, dirs, files in os.walk(path, followlinks=True):
        if any(name.lower().endswith(suffixes) for name in files):
            return True
        dirs[:] = _unvisited(root, [d for d in dirs if d not in _VCS_FOLDERS], visited)
    return False


def load_manifests(paths: Sequence[str]) -> tuple[list[LoadedManifest], list[Problem]]:
    """Read and validate each file; return the valid manifests and every problem found."""
    loaded: list[LoadedManifest] = []
    problems: list[Problem] = []
    for p in paths:
        try:
            loaded.append(load_manifest(p))
        except InputError as exc:
            problems.extend(exc.problems)
    return loaded, problems


def shipped_packs(names: Sequence[str] | None, extra: Sequence[str]) -> list[Pack]:
    """Load the shipped packs chosen by ``names`` (``None``: all) and extra rule folders."""
    return load_packs(names, [Path(d) for d in extra], rules_root())


class Shards(Protocol):
    """The shards checking a run (one :class:`Shard`, or :class:`compliance.parallel.Workers`):
    the contract of :class:`Shard` for the whole run. ``build`` shares the files among the
    shards and returns every file's :class:`Built` (in any order); ``problems`` and ``judge``
    ask every shard and join the answers."""

    def build(self, share: Sequence[tuple[int, str]]) -> list[Built]: ...

    def problems(self, conflicts: Sequence[Conflict]) -> list[Problem]: ...

    def judge(self, orgs: Organizations, plan: Plan | None) -> Judgement: ...


@collector_paused
def check(
    paths: Sequence[str],
    packs: Sequence[Pack],
    as_of: dt.date,
    *,
    terraform: str | None = None,
    report_for: Sequence[str] | None = None,
    jobs: int = 1,
    not_manifests: Sequence[str] = (),
    keep: bool = False,
    silenced: Collection[str] = (),
) -> Report:
    """Check manifest files against rule packs on ``as_of`` and return the :class:`Report`.

    With ``terraform`` (a ``terraform show -json`` file) systems' ``terraform`` addresses are
    also checked against where the plan runs them (:mod:`compliance.terraform_check`).

    With ``report_for`` (some of ``paths``, listed first so organization findings land on
    them), facts and organization totals cover all of ``paths`` but only the findings and
    unused waivers of ``report_for`` are reported, and ``files`` lists only those; errors in
    any file are kept, since the totals are incomplete without it.

    With ``jobs`` above 1 the files are checked by that many processes (this one and forked
    workers, see :mod:`compliance.parallel`), with the same report. ``not_manifests`` are
    files of the run that folders in ``paths`` may hold; a folder of ``paths`` holding no
    manifests is one of the report's errors, listed in ``files`` (see :func:`find_manifests`).

    ``silenced``: built-in notices the configuration disables (:meth:`compliance.config.Config.silenced`),
    left out of the report.

    With ``keep`` the loaded files (documents, models, graphs) stay referenced until the
    process ends instead of being freed on return: for a process that exits right after
    without tearing down (the console script, see :func:`compliance.cli.main`), which then
    never pays for freeing them one by one (~0.5 s at 100,000 flows).
    """
    inputs, problems = find_manifests(paths, not_manifests)
    unusable = {p.file for p in problems}
    files = [f for f in inputs if f not in unusable]
    shown = inputs
    if report_for is not None:
        wanted = {os.path.realpath(f) for f in find_manifests(report_for)[0]}
        shown = [f for f in inputs if os.path.realpath(f) in wanted]
    report = Report(
        as_of=as_of,
        tool_version=__version__,
        packs={p.id: p.version for p in packs},
        files=shown,
        errors=problems,
        rules=[r for p in packs for r in p.rules],
    )
    if jobs > 1 and len(files) > 1:
        from compliance.parallel import Workers

        with Workers(min(jobs, len(files)), packs, as_of) as workers:
            _check_files(workers, files, packs, as_of, terraform, report)
    else:
        shard = Shard(packs, as_of)
        if keep:
            _KEPT.append(shard)
        _check_files(shard, files, packs, as_of, terraform, report)
    if silenced:
        report.findings = [f for f in report.findings if f.rule_id not in silenced]
    if report_for is not None:
        kept = set(shown)
        report.findings = [f for f in report.findings if f.file in kept]
        report.unused_waivers = [w for w in report.unused_waivers if w.file in kept]
    return report


def _check_files(
    shards: Shards,
    files: Sequence[str],
    packs: Sequence[Pack],
    as_of: dt.date,
    terraform: str | None,
    report: Report,
) -> None:
    """Check ``files`` with ``shards`` into ``report``'s errors, findings and unused waivers."""
    plan = None
    if terraform is not None:  # read even with no manifest to check: a broken plan is an error
        from compliance.sources.terraform import read_plan

        try:
            plan = read_plan(terraform)
        except InputError as exc:
            report.errors.extend(exc.problems)
    built = sorted(shards.build(list(enumerate(files))), key=lambda b: b.index)
    claims: list[OrgClaim] = []
    parts: dict[str, list[VolumeTotals]] = {}
    org_waivers: dict[str, list[HeldWaiver]] = {}
    unusable_orgs: dict[str, str] = {}  # folded organization key -> an unusable file naming it
    unknown_orgs: list[str] = []  # unusable files whose organization cannot be read
    for b in built:
        report.errors.extend(b.problems)
        if b.unusable_org is not None:
            unusable_orgs.setdefault(entity_fold(b.unusable_org), files[b.index])
        elif b.org_unknown:
            unknown_orgs.append(files[b.index])
        if b.claim is not None and b.volume is not None:
            claims.append(b.claim)
            parts.setdefault(b.claim.key, []).append(b.volume)
            org_waivers.setdefault(b.claim.key, []).extend(b.org_waivers)
    if unknown_orgs and len(unknown_orgs) < len(files):
        # which organization's totals they leave out cannot be told: say so once, for the run
        report.errors.append(
            Problem(
                "",
                None,
                None,
                f"the other files were judged without {', '.join(unknown_orgs)}, whose organization "
                "cannot be read: if it is theirs, their organization's totals leave it out",
            )
        )
    if unusable_orgs:
        # An organization's totals and facts span its files: without one of them, its other
        # files would be judged on part of it (a threshold missed is a wrong pass).
        partial = [c for c in claims if entity_fold(c.key) in unusable_orgs]
        report.errors.extend(
            Problem(
                c.file,
                None,
                None,
                f"not judged: {unusable_orgs[entity_fold(c.key)]}, another file of its organization, "
                "is unusable, so its totals would be incomplete (see that file's errors)",
            )
            for c in partial
        )
        claims = [c for c in claims if entity_fold(c.key) not in unusable_orgs]
    if not claims:
        return
    conflicts = org_conflicts(claims)
    if conflicts:
        # The files of an organization they disagree about are not judged (its totals and
        # establishment are unknown); the other organizations' files still are.
        report.errors.extend(InputError(shards.problems(conflicts)).problems)
        keys, others = disputed(claims, conflicts)
        report.errors.extend(
            Problem(
                f, None, None, "not judged: the files naming its organization disagree (see their errors)"
            )
            for f in others
        )
        claims = [c for c in claims if entity_fold(c.key) not in keys]
        if not claims:
            return
    counts = {key: merge_totals(parts[key]) for key in dict.fromkeys(c.key for c in claims)}
    profiles = {key: merge_profiles([c.profile for c in claims if c.key == key]) for key in counts}
    judged = shards.judge(Organizations(counts, profiles, org_leaders(claims), org_waivers), plan)
    report.organizations = {c.file: c.key for c in claims}
    # Findings of one file with the same sort key keep this order: rules, Terraform, notices.
    findings = judged.findings + judged.notices + pack_notices(packs, as_of, claims[0].file)
    report.findings = sorted(findings, key=_order)
    position = {c.file: i for i, c in enumerate(claims)}
    report.unused_waivers = sorted(
        judged.unused, key=lambda w: (position[w.file], w.line or 0, w.column or 0)
    )


def _order(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.file, f.line or 0, f.column or 0, f.rule_id, f.target[1])
