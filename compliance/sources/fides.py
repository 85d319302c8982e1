"""Turn fideslang resources (systems, datasets, organization) into a draft v1 manifest.

Both the current format and the pre-3.0 one are read; the latter's ``third_country_transfers``
(ISO alpha-3) become flows to a destination system in each country. Systems become systems,
egress/ingress links between systems become flows, dataset references and privacy
declarations become datasets, data uses become purposes (deprecated keys follow their
``replaced_by``). What Fides cannot say (where systems run, how many people, mechanisms,
dates, who receives a flow) is written as a :data:`PLACEHOLDER` text saying what to fill in,
so the draft fails ``compliance validate`` until someone does: never a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import InputError, Problem
from compliance.sources.document import PLACEHOLDER, Document, is_placeholder, read_document, render_path
from compliance.sources.draft import comment, dump
from compliance.taxonomy import Taxonomy

_RESOURCE_KINDS = ("system", "dataset", "organization", "data_category")
#: The files a folder given to the importer is searched for.
SUFFIXES = (".yml", ".yaml")
_LOCATION_HELP = "a country code such as DE or a provider:region such as aws:eu-central-1"


def fill_me(what: str) -> str:
    """Return the placeholder asking the user for ``what``."""
    return f"{PLACEHOLDER}: {what}"


@dataclass
class FidesImport:
    """The draft manifest and notes on what the import left out."""

    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_yaml(self, sources: Sequence[str]) -> str:
        """The manifest as YAML, headed by its provenance and the notes as comments (see
        :mod:`compliance.sources.draft`: what the inputs say cannot add a key).

        Raises:
            InputError: a text of the inputs no YAML file can hold.
        """
        lines = [
            comment(
                "Draft manifest imported from Fides resources: " + ", ".join(Path(s).name for s in sources)
            ),
            comment(f"Replace every {PLACEHOLDER} value; `compliance validate` lists those left."),
            *(comment(f"note: {n}") for n in self.notes),
        ]
        return "\n".join(lines) + "\n" + dump(self.manifest, ", ".join(sources), width=4096)


@dataclass
class _System:
    key: str
    doc: Document
    index: int
    body: Mapping[str, Any]


def import_fides(paths: Sequence[str]) -> FidesImport:
    """Read fideslang YAML files and return the draft manifest. ``paths`` are files or
    folders (a Fides project's ``.fides/``): folders are walked for ``*.yml``/``*.yaml`` files
    as ``check`` walks manifest folders.

    Raises:
        InputError: a file is unreadable or not fideslang, a resource lacks its ``fides_key``,
            a country code is not ISO alpha-3, or no file holds a system or dataset.
    """
    from compliance.run import expand_paths

    reader = _Reader()
    files = expand_paths(paths, suffixes=SUFFIXES, what="Fides resource files")
    for p in files:
        reader.read(read_document(p, expected="fideslang resources", what="Fides resource file"))
    if reader.problems:
        raise InputError(reader.problems)
    if not reader.systems and not reader.datasets:
        raise InputError(
            [Problem(p, None, None, "no fideslang system or dataset resources to import") for p in files]
        )
    return reader.build()


class _Reader:
    def __init__(self) -> None:
        self.taxonomy = Taxonomy.default()
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.organization: Mapping[str, Any] | None = None
        self.systems: dict[str, _System] = {}
        self.datasets: dict[str, Mapping[str, Any]] = {}
        self.categories: list[dict[str, str]] = []
        self.ids: dict[str, str] = {}
        #: (resource kind, fides_key) -> where it is defined, as ``file:line:column``
        self.defined: dict[tuple[str, str], str] = {}

    def read(self, doc: Document) -> None:
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem((), "expected a mapping of fideslang resource lists"))
            return
        known = [k for k in doc.data if k in _RESOURCE_KINDS]
        for kind, items in doc.data.items():
            if kind not in _RESOURCE_KINDS:
                self.notes.append(f"{Path(doc.path).name}: {kind} resources are not imported")
                continue
            if not isinstance(items, list):
                self.problems.append(doc.problem((kind,), f"{kind}: expected a list of resources"))
                continue
            for i, item in enumerate(items):
                self._resource(doc, kind, i, item)
        if not known and not doc.data:
            self.problems.append(doc.problem((), "no fideslang resources"))

    def _resource(self, doc: Document, kind: str, i: int, item: Any) -> None:
        key = item.get("fides_key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key:
            self.problems.append(doc.problem((kind, i), f"{kind}[{i}]: a resource needs a fides_key"))
            return
        pos = doc.locate((kind, i, "fides_key"))
        here = f"{doc.path}:{pos[0]}:{pos[1]}" if pos else doc.path
        first = self.defined.setdefault((kind, key), here)
        if first != here:  # fideslang keys are unique per kind: keeping either would drop the other
            self.problems.append(
                doc.problem(
                    (kind, i, "fides_key"),
                    f"{kind}[{i}].fides_key: {key!r} is already defined at {first}; "
                    "merge the two definitions into one",
                )
            )
            return
        self._check_lists(doc, (kind, i), item, _LISTS.get(kind, {}))
        for j, decl in enumerate(_mappings(item.get("privacy_declarations")) if kind == "system" else ()):
            self._check_lists(doc, (kind, i, "privacy_declarations", j), decl, _DECLARATION_LISTS)
        if kind == "organization":
            if self.organization is None:
                self.organization = item
            else:
                self.notes.append(f"organization {key} ignored: only the first organization is used")
        elif kind == "system":
            self.systems[key] = _System(key, doc, i, item)
            for j, code in enumerate(_texts(item.get("third_country_transfers"))):
                self._alpha2(doc, (kind, i, "third_country_transfers", j), code)
        elif kind == "dataset":
            self.datasets[key] = item
            for j, code in enumerate(_texts(item.get("third_country_transfers"))):
                self._alpha2(doc, (kind, i, "third_country_transfers", j), code)
        elif isinstance(item.get("parent_key"), str):
            self.categories.append({"key": key, "parent": item["parent_key"]})

    def _check_lists(
        self, doc: Document, path: tuple[str | int, ...], node: Mapping[str, Any], spec: Mapping[str, type]
    ) -> None:
        """A problem for each field of ``spec`` present in ``node`` that is not a list of its
        type: the reader skips what it cannot read, so a malformed field would vanish silently."""
        for name, item_type in spec.items():
            value = node.get(name)
            if value is None:
                continue
            what = "mappings" if item_type is dict else "strings"
            if not isinstance(value, list):
                where = render_path((*path, name))
                self.problems.append(doc.problem((*path, name), f"{where}: expected a list of {what}"))
                continue
            for j, entry in enumerate(value):
                if not isinstance(entry, item_type):
                    where = render_path((*path, name, j))
                    one = "a mapping" if item_type is dict else "a string"
                    self.problems.append(doc.problem((*path, name, j), f"{where}: expected {one}"))

    def _alpha2(self, doc: Document | None, path: tuple[str | int, ...], code: str) -> str:
        import pycountry

        country = pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None
        if country is None:
            if doc is not None:
                where = render_path(path)
                self.problems.append(
                    doc.problem(path, f"{where}: {code!r} is not an ISO 3166-1 alpha-3 code")
                )
            return code
        return str(country.alpha_2)

    def ident(self, key: str, name: str | None = None) -> str:
        """A manifest id for a fides key (ids allow no underscores), unique across keys; for
        what the draft makes up (a system's own dataset) ``key`` is kept apart from every fides
        key and ``name`` gives the id its spelling."""
        if key not in self.ids:
            base = re.sub(r"[^a-z0-9.-]+", "-", (name or key).lower()).strip("-.") or "item"
            ident, n = base, 2
            while ident in self.ids.values():
                ident, n = f"{base}-{n}", n + 1
            self.ids[key] = ident
        return self.ids[key]

    # --- building the manifest ----------------------------------------------------------------

    def build(self) -> FidesImport:
        org_name = self._organization_name()
        datasets: dict[str, dict[str, Any]] = {}
        stores: dict[str, list[str]] = {}
        for key, body in self.datasets.items():
            datasets[self.ident(key)] = self._dataset(self.ident(key), sorted(_dataset_categories(body)))
        for system in self.systems.values():
            stores[system.key] = self._system_datasets(system, datasets)
        for key in self.datasets:
            datasets[self.ident(key)]["categories"] = datasets[self.ident(key)]["categories"] or [
                fill_me(f"data categories of dataset {self.ident(key)} (Fides declares none)")
            ]
        systems = [self._system(s, org_name, stores[s.key]) for s in self.systems.values()]
        flows = self._flows(stores, datasets)
        destinations, transfer_flows = self._transfers(stores)
        manifest: dict[str, Any] = {
            "manifest_version": 1,
            "organization": self._organization(org_name),
        }
        if self.categories:
            manifest["taxonomy"] = {"data_categories": self.categories}
        manifest["datasets"] = list(datasets.values())
        self._unknown_categories(manifest["datasets"])
        manifest["systems"] = systems + destinations
        manifest["flows"] = flows + transfer_flows
        return FidesImport(manifest, self.notes)

    def _unknown_categories(self, datasets: Sequence[Mapping[str, Any]]) -> None:
        """A note naming the categories of ``datasets`` that neither fideslang nor the imported
        ``data_category`` resources define: `validate` would report them only once every
        FILL-ME is filled in."""
        try:
            taxonomy = self.taxonomy.extended({c["key"]: c["parent"] for c in self.categories})
        except ValueError:
            taxonomy = self.taxonomy  # the draft's taxonomy section gets its own error there
        for d in datasets:
            unknown = [c for c in d["categories"] if not is_placeholder(c) and not taxonomy.knows_category(c)]
            if unknown:
                self.notes.append(
                    f"dataset {d['id']}: not a fideslang data category nor one the inputs define: "
                    f"{', '.join(unknown)} (replace each, or declare it under taxonomy.data_categories)"
                )

    def _organization_name(self) -> str:
        name = self.organization.get("name") if self.organization else None
        return name if isinstance(name, str) and name else fill_me("name of the organization")

    def _organization(self, name: str) -> dict[str, Any]:
        org: dict[str, Any] = {
            "name": name,
            "established_in": [fill_me("countries (or EU) where the organization is established")],
            "ciio": fill_me("true if designated a critical information infrastructure operator in China"),
            "state_organ": fill_me("true if the organization is a Chinese state organ"),
        }
        rep = self.organization.get("representative") if self.organization else None
        if isinstance(rep, dict) and isinstance(rep.get("name"), str):
            org["representatives"] = [
                {
                    "jurisdiction": fill_me(f"jurisdiction (EU or a country code) {rep['name']} represents"),
                    "name": rep["name"],
                }
            ]
        return org

    def _dataset(self, ident: str, categories: list[str]) -> dict[str, Any]:
        return {
            "id": ident,
            "categories": categories,
            "subjects": fill_me(
                f"people in dataset {ident} per year as a list of {{residency: country code, count: number}}"
            ),
            "important_data": fill_me(f"true if dataset {ident} is important data under DSL Art. 21"),
            "core_data": fill_me(f"true if dataset {ident} is core data under DSL Art. 21"),
        }

    def _system_datasets(self, system: _System, datasets: dict[str, dict[str, Any]]) -> list[str]:
        """The datasets a system stores: its declarations' references, and for declarations
        without one a dataset of the system's own holding the declared categories."""
        held: list[str] = []
        own: set[str] = set()
        for decl in _mappings(system.body.get("privacy_declarations")):
            declared = set(_texts(decl.get("data_categories")))
            refs = _texts(decl.get("dataset_references"))
            if not refs:
                own |= declared
            given = [self.datasets[r] for r in refs if r in self._given_datasets()]
            if given:
                fields = set().union(*(_dataset_categories(d) for d in given))
                uncovered = {c for c in declared if not any(_related(c, f) for f in fields)}
                if uncovered:
                    # The declaration says the system processes more than its datasets' fields
                    # show (often the sensitive part): kept, in the system's own dataset.
                    own |= uncovered
                    self.notes.append(
                        f"system {system.key} declares {', '.join(sorted(uncovered))} beyond the fields "
                        f"of {', '.join(refs)}; kept in dataset {self._own_dataset(system)}"
                    )
            for ref in refs:
                ident = self.ident(ref)
                if ident not in datasets:
                    self.notes.append(
                        f"dataset {ref} (referenced by system {system.key}) is not among the inputs; "
                        "its categories are taken from the privacy declaration"
                    )
                    datasets[ident] = self._dataset(ident, [])
                    self.datasets.setdefault(ref, {})
                if ref not in self._given_datasets():
                    merged = set(datasets[ident]["categories"]) | declared
                    datasets[ident]["categories"] = sorted(merged)
                if ident not in held:
                    held.append(ident)
        if own:
            ident = self._own_dataset(system)
            datasets[ident] = self._dataset(ident, sorted(own))
            held.append(ident)
        return held

    def _own_dataset(self, system: _System) -> str:
        """The id of the dataset the draft makes for what ``system`` declares beyond its
        datasets (``<system>-data``, or ``-2`` after it when a Fides dataset has that id)."""
        return self.ident(f"\0own dataset of {system.key}", f"{system.key}-data")

    def _given_datasets(self) -> set[str]:
        return {k for k, v in self.datasets.items() if v}

    def _system(self, system: _System, org_name: str, stores: list[str]) -> dict[str, Any]:
        ident = self.ident(system.key)
        role = _role(system.body)
        operator_name = (
            org_name if role == "controller" else fill_me(f"name of the operator of system {ident}")
        )
        return {
            "id": ident,
            "location": fill_me(f"where system {ident} runs: {_LOCATION_HELP}"),
            "operator": {
                "name": operator_name,
                "role": role or fill_me(f"role of the operator of system {ident}: controller or processor"),
            },
            "stores": stores,
        }

    def _flows(
        self, stores: Mapping[str, list[str]], datasets: Mapping[str, Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        # (source, destination) -> the data categories its links declare (None: none declared)
        pairs: dict[tuple[str, str], set[str] | None] = {}
        for system in self.systems.values():
            self._third_parties(system)
            for link in _mappings(system.body.get("egress")):
                self._link(system, link, "egress", pairs)
            for link in _mappings(system.body.get("ingress")):
                self._link(system, link, "ingress", pairs)
        out = []
        for (src, dst), declared in pairs.items():
            flow = self._flow(src, dst, stores[src])
            if not declared and stores[src]:
                self.notes.append(
                    f"flow {flow['id']}: the Fides link declares no data categories, so the draft has "
                    f"it carry every dataset of system {self.ident(src)} ({', '.join(stores[src])}); "
                    "remove those it does not carry"
                )
            if declared:  # an empty or absent list declares nothing: the whole store
                held = {c for d in stores[src] for c in datasets[d]["categories"] if not is_placeholder(c)}
                beyond = sorted(c for c in held if not _covered(c, declared))
                missing = sorted(
                    c for c in declared if not any(_covered(h, {c}) or _covered(c, {h}) for h in held)
                )
                if missing:
                    self.notes.append(
                        f"flow {flow['id']}: the Fides link declares {', '.join(missing)}, which no "
                        f"dataset of system {self.ident(src)} holds; add it to the dataset the flow carries"
                    )
                if beyond:
                    # A flow carries whole datasets: which of them cross, or whether one must be
                    # split, only the user can tell; the draft must not claim more (or less).
                    flow["datasets"] = [
                        fill_me(
                            f"ids of the datasets flow {flow['id']} carries: the Fides link declares "
                            f"{', '.join(sorted(declared))}, but the datasets of system {self.ident(src)} "
                            f"({', '.join(stores[src])}) also hold {', '.join(beyond)} (split a dataset "
                            "if needed)"
                        )
                    ]
            out.append(flow)
        return out

    def _third_parties(self, system: _System) -> None:
        """A note for each privacy declaration of ``system`` that shares data with third
        parties: Fides names no receiving system, so the draft has no flow for it."""
        for decl in _mappings(system.body.get("privacy_declarations")):
            use = decl.get("data_use")
            named = _texts(decl.get("third_parties"))
            shared = decl.get("data_shared_with_third_parties") is True or bool(named)
            if isinstance(use, str) and any(part.startswith("third_party") for part in use.split(".")):
                shared = True
            if shared:
                what = f" ({', '.join(named)})" if named else ""
                self.notes.append(
                    f"system {system.key}: privacy declaration {decl.get('name') or use!r} shares data "
                    f"with third parties{what}, which Fides does not name as systems: add each as a "
                    "system, with the flow to it"
                )

    def _link(
        self,
        system: _System,
        link: Mapping[str, Any],
        direction: str,
        pairs: dict[tuple[str, str], set[str] | None],
    ) -> None:
        other = link.get("fides_key")
        if link.get("type", "system") != "system" or not isinstance(other, str):
            self.notes.append(
                f"system {system.key}: {direction} to a {link.get('type')} is not a flow between systems"
            )
            return
        if other not in self.systems:
            self.notes.append(
                f"system {system.key}: {direction} names system {other}, which is not among the inputs"
            )
            return
        if other == system.key:  # a manifest flow moves data between two systems
            self.notes.append(
                f"system {system.key}: {direction} names the system itself, which is not a flow"
            )
            return
        pair = (system.key, other) if direction == "egress" else (other, system.key)
        categories = link.get("data_categories")
        declared = set(_texts(categories)) if categories is not None else None
        if pair not in pairs:
            pairs[pair] = declared
        elif declared is not None:
            pairs[pair] = (pairs[pair] or set()) | declared

    def _flow(self, src: str, dst: str, datasets: list[str], dst_label: str | None = None) -> dict[str, Any]:
        ident = self.ident(f"{src}-to-{dst_label or dst}")
        return {
            "id": ident,
            "from": self.ident(src),
            "to": dst_label or self.ident(dst),
            "datasets": datasets or [fill_me(f"ids of the datasets flow {ident} carries")],
            "purpose": self._purpose(ident, [dst, src] if dst in self.systems else [src]),
            "started_on": fill_me(f"date flow {ident} started (or starts), YYYY-MM-DD"),
            "recipient": fill_me(
                f"the data importer of flow {ident} as {{name: ..., role: controller or processor, "
                "dpf_certified: true or false}"
            ),
            "mechanisms": fill_me(
                f"transfer mechanisms of flow {ident} as a list, [] if none "
                "(e.g. {type: scc-2021, signed_on: YYYY-MM-DD, module: 2})"
            ),
        }

    def _purpose(self, flow: str, candidates: Iterable[str]) -> str:
        """The data use of the receiving system (else the sending one) when it declares one."""
        for key in candidates:
            uses = []
            for decl in _mappings(self.systems[key].body.get("privacy_declarations")):
                use = decl.get("data_use")
                if isinstance(use, str):
                    use = self.taxonomy.canonical(use) if self.taxonomy.knows_use(use) else use
                    if use not in uses:
                        uses.append(use)
            if len(uses) == 1:
                self.notes.append(
                    f"flow {flow}: purpose {uses[0]} is system {self.ident(key)}'s only data use; "
                    "correct it if the flow serves another"
                )
                return uses[0]
            if uses:
                return fill_me(f"purpose of flow {flow}, one of: {', '.join(uses)}")
        return fill_me(f"purpose of flow {flow} (a fideslang data use such as essential.service)")

    def _transfers(
        self, stores: Mapping[str, list[str]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Pre-3.0 ``third_country_transfers``: a flow from the system (or from each system
        holding the dataset) to one destination system per country."""
        carried: dict[tuple[str, str], list[str]] = {}
        for system in self.systems.values():
            for code in _texts(system.body.get("third_country_transfers")):
                carried.setdefault((system.key, self._alpha2(None, (), code)), []).extend(stores[system.key])
        for key, body in self.datasets.items():
            holders = [s for s in self.systems if self.ident(key) in stores[s]]
            codes = _texts(body.get("third_country_transfers"))
            if codes and not holders:
                self.notes.append(
                    f"dataset {key}: third_country_transfers dropped, no imported system holds it"
                )
            for code in codes:
                for holder in holders:
                    carried.setdefault((holder, self._alpha2(None, (), code)), []).append(self.ident(key))
        destinations: dict[str, dict[str, Any]] = {}
        flows = []
        for (src, country), datasets in carried.items():
            dest = self.ident(f"third-country-{country}")
            destinations.setdefault(
                dest,
                {
                    "id": dest,
                    "location": country,
                    "operator": {
                        "name": fill_me(f"who receives the transfers to {country} (system {dest})"),
                        "role": fill_me(f"role of the operator of system {dest}: controller or processor"),
                    },
                    "stores": [],
                },
            )
            flows.append(self._flow(src, country, list(dict.fromkeys(datasets)), dst_label=dest))
        return list(destinations.values()), flows


def _role(system: Mapping[str, Any]) -> str | None:
    titles = _texts(system.get("responsibility")) or _texts([system.get("data_responsibility_title")])
    roles = {t.lower().replace(" ", "_") for t in titles}
    for role in ("controller", "processor", "joint_controller"):
        if roles == {role}:
            return role
    return None


#: The list fields the reader takes from each resource kind, with the type of their items.
_LISTS: dict[str, dict[str, type]] = {
    "system": {"privacy_declarations": dict, "egress": dict, "ingress": dict, "third_country_transfers": str},
    "dataset": {"collections": dict, "third_country_transfers": str, "data_categories": str},
}
_DECLARATION_LISTS: dict[str, type] = {
    "data_categories": str,
    "dataset_references": str,
    "data_subjects": str,
}


def _related(a: str, b: str) -> bool:
    """Whether one fideslang key is the other or an ancestor of it (``user.contact`` and
    ``user.contact.email``): a declaration naming either is covered by a field naming the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _dataset_categories(node: Mapping[str, Any]) -> set[str]:
    found = set(_texts(node.get("data_categories")))
    for child in (*_mappings(node.get("collections")), *_mappings(node.get("fields"))):
        found |= _dataset_categories(child)
    return found


def _covered(category: str, declared: set[str]) -> bool:
    """Whether ``category`` is one of ``declared`` or below one (``user.contact.email`` under
    ``user.contact``)."""
    return any(category == d or category.startswith(d + ".") for d in declared)


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
