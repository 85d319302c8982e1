"""Answer questions about fideslang data-category and data-use keys, legal classes included.

The default taxonomy is a snapshot of fideslang's (``rules/data/fideslang-taxonomy.json``,
written by ``scripts/snapshot_taxonomy.py``), so fideslang itself is never imported here.
Legal classes of categories (PIPL sensitive, GDPR special and criminal data) come from
``rules/data/categories.yaml``. A manifest may add categories under existing parents
(``Taxonomy.extended``).

Category and use keys never collide: the snapshot's two trees have different roots and
``extended`` refuses a key that either tree already holds, so one lookup serves both.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

from compliance.paths import data_dir
from compliance.sources.document import read_document

Kind = Literal["category", "use"]

PERSONAL_ROOT = "user"


class CategoryClass(NamedTuple):
    """A legal class of data categories, e.g. ``pipl_sensitive``.

    ``keys`` are the listed category keys; membership of any key is decided by
    :meth:`Taxonomy.classes_of`. ``source`` names the instrument and article.
    """

    name: str
    description: str
    source: str
    keys: frozenset[str]


class _Entry(NamedTuple):
    parent: str | None
    active: bool
    replaced_by: str | None


class Taxonomy:
    """The data-category and data-use trees, optionally extended by a manifest.

    Instances are immutable; :meth:`extended` returns a new one. Methods taking a key raise
    ``KeyError`` for a key neither tree knows, unless they say otherwise.
    """

    def __init__(
        self,
        categories: Mapping[str, _Entry],
        uses: Mapping[str, _Entry],
        classes: Mapping[str, CategoryClass],
    ) -> None:
        self._categories = dict(categories)
        self._uses = dict(uses)
        self._classes = dict(classes)
        # Keys above a listed key: a broader key may hold the classified data under it.
        self._broader = {
            name: frozenset(a for key in cls.keys for a in self.ancestors(key))
            for name, cls in self._classes.items()
        }

    @classmethod
    def default(cls) -> Taxonomy:
        """Return the fideslang 3.1.4 default taxonomy with the legal classes (loaded once).

        Raises:
            ValueError: the data files are malformed, or ``categories.yaml`` lists a key the
                snapshot does not hold.
        """
        return _default_taxonomy()

    def extended(self, extra: Mapping[str, str]) -> Taxonomy:
        """Return this taxonomy plus the data categories ``extra`` (new key -> parent key).

        A parent may be an existing category or another key of ``extra``. New keys are active,
        not deprecated, and belong to the legal classes their ancestors belong to.

        Raises:
            ValueError: a parent is not a known data category (the message names it); a key
                already exists as a category or a use; or the new keys form a cycle.
        """
        for key, parent in extra.items():
            if key in self._categories:
                raise ValueError(f"data category {key!r} is already defined")
            if key in self._uses:
                raise ValueError(f"{key!r} is already defined as a data use")
            if parent not in self._categories and parent not in extra:
                raise ValueError(f"parent {parent!r} of data category {key!r} is not a known data category")
        for key in extra:
            seen = {key}
            parent = extra[key]
            while parent in extra:
                if parent in seen:
                    raise ValueError(f"data category {key!r} is its own ancestor via {parent!r}")
                seen.add(parent)
                parent = extra[parent]
        categories = dict(self._categories)
        categories.update(
            (key, _Entry(parent=parent, active=True, replaced_by=None)) for key, parent in extra.items()
        )
        return Taxonomy(categories, self._uses, self._classes)

    def knows_category(self, key: str) -> bool:
        """Return whether ``key`` is a data category (deprecated ones included)."""
        return key in self._categories

    def knows_use(self, key: str) -> bool:
        """Return whether ``key`` is a data use, i.e. a purpose (deprecated ones included)."""
        return key in self._uses

    def is_active(self, key: str) -> bool:
        """Return whether ``key`` is current, i.e. not deprecated in fideslang."""
        return self._entry(key).active

    def canonical(self, key: str) -> str:
        """Return the current key for ``key``, following ``replaced_by`` through deprecations.

        A current key is returned as is; e.g. ``personalize.profiling`` (deprecated in
        fideslang 2.1.1) gives ``personalize.content.profiling``.
        """
        seen: set[str] = set()
        current = key
        while (replacement := self._entry(current).replaced_by) is not None:
            seen.add(current)
            if replacement in seen:
                raise ValueError(f"taxonomy key {key!r} is replaced in a cycle")
            current = replacement
        return current

    def ancestors(self, key: str) -> tuple[str, ...]:
        """Return the keys above ``key``, nearest first, ending at its root (``key`` excluded).

        Ancestry follows ``parent`` links, not the dots in the key: a manifest may declare
        ``user.loyalty_id`` under ``user.unique_id``.
        """
        chain: list[str] = []
        parent = self._entry(key).parent
        while parent is not None:
            chain.append(parent)
            parent = self._entry(parent).parent
        return tuple(chain)

    def is_personal(self, key: str) -> bool:
        """Return whether category ``key`` is personal data, i.e. is or lies under ``user``."""
        return key == PERSONAL_ROOT or PERSONAL_ROOT in self.ancestors(key)

    def classes_of(self, key: str) -> frozenset[str]:
        """Return the names of the legal classes (``categories.yaml``) category ``key`` is in.

        ``key`` is in a class when it equals or descends from a listed key, or when it is an
        ancestor of a listed key (``user`` and ``user.demographic`` may hold sensitive data, so
        they count as sensitive). A deprecated key also takes the classes of its replacement.
        """
        lineage = {key, *self.ancestors(key)}
        current = self.canonical(key)
        if current != key:
            lineage.update((current, *self.ancestors(current)))
        return frozenset(
            name
            for name, cls in self._classes.items()
            if lineage & cls.keys or key in self._broader[name] or current in self._broader[name]
        )

    def wholly_in(self, key: str, name: str) -> bool:
        """Whether everything category ``key`` covers is in class ``name``: ``key`` equals or
        descends from one of its listed keys (or its replacement does). A broader key that
        :meth:`classes_of` puts in the class because it may hold such data (``user`` for
        ``pipl_sensitive``) may hold other data too, so it is not wholly in it."""
        cls = self._classes[name]
        current = self.canonical(key)
        return any(not cls.keys.isdisjoint({k, *self.ancestors(k)}) for k in {key, current})

    def category_classes(self) -> Mapping[str, CategoryClass]:
        """Return the legal classes by name, for documentation and citations."""
        return dict(self._classes)

    def suggest(self, key: str, kind: Kind) -> str | None:
        """Return the known key most like ``key`` for a "did you mean" hint, or ``None``.

        ``kind`` picks the tree (``"category"`` or ``"use"``). Only current keys are offered.
        A key that is already known gives its canonical form. When no key is close in spelling,
        a unique key with the same last segment is offered (``user.email`` suggests
        ``user.contact.email``).
        """
        if kind == "category":
            entries = self._categories
        elif kind == "use":
            entries = self._uses
        else:
            raise ValueError(f"kind must be 'category' or 'use', not {kind!r}")
        if key in entries:
            return self.canonical(key)
        current = sorted(k for k, entry in entries.items() if entry.active)
        import difflib  # only for a did-you-mean hint

        close = difflib.get_close_matches(key, current, n=1, cutoff=0.6)
        if close:
            return close[0]
        leaf = key.rsplit(".", 1)[-1]
        same_leaf = [k for k in current if k.rsplit(".", 1)[-1] == leaf]
        return same_leaf[0] if len(same_leaf) == 1 else None

    def _entry(self, key: str) -> _Entry:
        entry = self._categories.get(key) or self._uses.get(key)
        if entry is None:
            raise KeyError(f"unknown taxonomy key {key!r}")
        return entry


@functools.cache
def _default_taxonomy() -> Taxonomy:
    snapshot_path = data_dir() / "fideslang-taxonomy.json"
    snapshot = json.loads(snapshot_path.read_text(encoding="utf-8"))
    if not isinstance(snapshot, dict):
        raise ValueError(f"{snapshot_path}: expected a JSON object")
    categories = _entries(snapshot_path, snapshot.get("data_categories"), "data_categories")
    uses = _entries(snapshot_path, snapshot.get("data_uses"), "data_uses")
    classes = _classes(data_dir() / "categories.yaml")
    for cls in classes.values():
        unknown = sorted(k for k in cls.keys if k not in categories)
        if unknown:
            raise ValueError(
                f"categories.yaml: class {cls.name!r} lists keys missing from the taxonomy "
                f"snapshot: {', '.join(unknown)}"
            )
    return Taxonomy(categories, uses, classes)


def _entries(path: Path, raw: object, section: str) -> dict[str, _Entry]:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: {section} must be an object")
    entries: dict[str, _Entry] = {}
    for key, item in raw.items():
        if not isinstance(item, dict) or not isinstance(item.get("active"), bool):
            raise ValueError(f"{path}: {section}.{key} must be an object with a boolean 'active'")
        entries[key] = _Entry(
            parent=_optional_text(path, item, "parent", f"{section}.{key}"),
            active=item["active"],
            replaced_by=_optional_text(path, item, "replaced_by", f"{section}.{key}"),
        )
    return entries


def _optional_text(path: Path, item: Mapping[str, Any], field: str, where: str) -> str | None:
    value = item.get(field)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{path}: {where}.{field} must be a string or null")
    return value


def _classes(path: Path) -> dict[str, CategoryClass]:
    raw = read_document(path, expected="the category classes", what="data file").data
    body = raw.get("classes") if isinstance(raw, dict) else None
    if not isinstance(body, dict):
        raise ValueError(f"{path}: expected a 'classes' mapping")
    classes: dict[str, CategoryClass] = {}
    for name, item in body.items():
        keys = item.get("keys") if isinstance(item, dict) else None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValueError(f"{path}: classes.{name}.keys must be a list of strings")
        fields = {f: item.get(f) for f in ("description", "source")}
        for field, value in fields.items():
            if not isinstance(value, str) or not value:
                raise ValueError(f"{path}: classes.{name}.{field} must be a non-empty string")
        classes[name] = CategoryClass(
            name=name,
            description=str(fields["description"]),
            source=str(fields["source"]),
            keys=frozenset(keys),
        )
    return classes
