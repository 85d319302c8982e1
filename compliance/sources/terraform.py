"""Read a ``terraform show -json`` plan: where each resource runs, and which ones hold data.

A resource's place is its own location attribute when the plan knows it (Azure ``location``,
also as a display name such as ``"West Europe"``; Google ``location``/``region``/``zone``; AWS
``region``/``availability_zone``; Alibaba ``zone_id``), else the region of its provider
configuration. Provider configurations are found by the resource's ``provider_config_key``;
a key that names no configuration (older plans write ``child:aws`` for a module that inherits
its parent's provider) is looked up in the enclosing modules, as Terraform inherits it, unless
the plan also configures an alias of that provider (``aws.cn``), which the module may have
been passed instead: its place is then unknown.
``var.*`` regions are resolved through the plan's ``variables`` and module-call arguments.
A place the plan cannot tell (computed at apply time, taken from the environment, a local
value) is reported with the reason, never guessed. What the plan itself does not say clearly
(a value of another type than Terraform writes, a resource without its address or listed
twice, a duplicate JSON key) is an error, never read as empty or as the last entry.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance import jurisdictions
from compliance.errors import InputError, Problem
from compliance.sources.document import Document, Path_, parse_json, read_bytes, render_path
from compliance.sources.draft import comment, dump

#: Terraform provider names -> provider spelling of the region table (``cloud-regions.csv``).
PROVIDERS: Mapping[str, str] = {
    "aws": "aws",
    "azurerm": "azure",
    "google": "gcp",
    "google-beta": "gcp",
    "alicloud": "alicloud",
    "tencentcloud": "tencentcloud",
    "huaweicloud": "huaweicloud",
}

# Resource attributes that say where the resource itself runs, most specific first. A
# provider's own region is the fallback, except for Azure, whose provider has none.
_RESOURCE_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "aws": ("region", "availability_zone"),
    "azure": ("location",),
    "gcp": ("location", "location_id", "region", "zone"),
    "alicloud": ("zone_id", "availability_zone"),
    "tencentcloud": ("availability_zone",),
    "huaweicloud": ("region", "availability_zone"),
}
_PROVIDER_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "aws": ("region",),
    "azure": (),
    "gcp": ("region", "zone"),
    "alicloud": ("region",),
    "tencentcloud": ("region",),
    "huaweicloud": ("region",),
}

#: Resource types that hold data: databases, buckets, disks and snapshots, caches, queues and
#: streams, search indexes, data warehouses. Types that only configure another resource
#: (bucket policies, database parameter groups) or hold no data (networks, roles) are left out.
DATA_RESOURCES: frozenset[str] = frozenset(
    {
        # AWS
        "aws_s3_bucket",
        "aws_db_instance",
        "aws_db_snapshot",
        "aws_rds_cluster",
        "aws_rds_cluster_snapshot",
        "aws_dynamodb_table",
        "aws_docdb_cluster",
        "aws_neptune_cluster",
        "aws_neptune_cluster_snapshot",
        "aws_ebs_volume",
        "aws_ebs_snapshot",
        "aws_efs_file_system",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_memorydb_cluster",
        "aws_sqs_queue",
        "aws_kinesis_stream",
        "aws_kinesis_firehose_delivery_stream",
        "aws_msk_cluster",
        "aws_mq_broker",
        "aws_redshift_cluster",
        "aws_redshiftserverless_namespace",
        "aws_elasticsearch_domain",
        "aws_opensearch_domain",
        "aws_glacier_vault",
        "aws_backup_vault",
        "aws_timestream_database",
        "aws_keyspaces_keyspace",
        # Azure
        "azurerm_storage_account",
        "azurerm_mssql_server",
        "azurerm_sql_server",
        "azurerm_sql_database",
        "azurerm_postgresql_server",
        "azurerm_postgresql_flexible_server",
        "azurerm_mysql_server",
        "azurerm_mysql_flexible_server",
        "azurerm_mariadb_server",
        "azurerm_cosmosdb_account",
        "azurerm_redis_cache",
        "azurerm_managed_disk",
        "azurerm_snapshot",
        "azurerm_servicebus_namespace",
        "azurerm_eventhub_namespace",
        "azurerm_synapse_workspace",
        "azurerm_kusto_cluster",
        "azurerm_search_service",
        # Google Cloud
        "google_storage_bucket",
        "google_sql_database_instance",
        "google_bigquery_dataset",
        "google_compute_disk",
        "google_compute_region_disk",
        "google_compute_snapshot",
        "google_redis_instance",
        "google_memcache_instance",
        "google_filestore_instance",
        "google_firestore_database",
        "google_alloydb_cluster",
        "google_spanner_instance",
        # Alibaba Cloud
        "alicloud_db_instance",
        "alicloud_oss_bucket",
        "alicloud_polardb_cluster",
        "alicloud_mongodb_instance",
        "alicloud_kvstore_instance",
        "alicloud_disk",
        "alicloud_ecs_disk",
        "alicloud_mns_queue",
        "alicloud_message_service_queue",
        "alicloud_alikafka_instance",
        "alicloud_hbase_instance",
        "alicloud_gpdb_instance",
        "alicloud_adb_db_cluster",
        "alicloud_maxcompute_project",
        "alicloud_ots_instance",
        "alicloud_elasticsearch_instance",
        # Tencent Cloud
        "tencentcloud_cos_bucket",
        "tencentcloud_cbs_storage",
        "tencentcloud_cbs_snapshot",
        "tencentcloud_cfs_file_system",
        "tencentcloud_mysql_instance",
        "tencentcloud_postgresql_instance",
        "tencentcloud_mongodb_instance",
        "tencentcloud_redis_instance",
        "tencentcloud_ckafka_instance",
        "tencentcloud_cls_topic",
        # Huawei Cloud
        "huaweicloud_obs_bucket",
        "huaweicloud_rds_instance",
        "huaweicloud_gaussdb_mysql_instance",
        "huaweicloud_dds_instance",
        "huaweicloud_dcs_instance",
        "huaweicloud_evs_volume",
        "huaweicloud_sfs_turbo",
        "huaweicloud_dms_kafka_instance",
    }
)

_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class PlannedResource:
    """One managed resource instance of a plan and where it runs.

    ``location`` is ``provider:region`` (or zone) as the region table spells it and
    ``country`` its ISO alpha-2 country; both ``None`` when the plan cannot tell, and then
    ``unknown`` says why.
    """

    address: str
    type: str
    location: str | None
    country: str | None
    unknown: str | None

    @property
    def holds_data(self) -> bool:
        """Whether the resource type stores data (:data:`DATA_RESOURCES`)."""
        return self.type in DATA_RESOURCES


@dataclass(frozen=True)
class Plan:
    """A plan file: its path, Terraform version and resources by address (plan order)."""

    path: str
    terraform_version: str
    resources: Mapping[str, PlannedResource]


def read_plan(path: str | Path) -> Plan:
    """Read a ``terraform show -json`` file (UTF-8, or UTF-16 as PowerShell writes it).

    The JSON is read as manifests are (a duplicate key, ``NaN``, a number out of range are
    errors), and every value the reader takes must be of the type Terraform writes there.

    Raises:
        InputError: the file cannot be read, is not JSON, or is not a Terraform plan: one
            problem, with its position, for each value of another type than Terraform writes,
            each resource change or planned resource without its ``address`` or ``type``, and
            each address listed twice (which of the two holds would depend on their order).
    """
    name = str(path)
    text = _decode(name, read_bytes(path, what="Terraform plan"))
    if not text.strip():
        raise InputError([Problem(name, None, None, f"file is empty; expected {_PLAN}")])
    doc = parse_json(name, text, what="Terraform plan", note=f"; expected {_PLAN}", depth_limit=False)
    if not isinstance(doc.data, dict) or "configuration" not in doc.data:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"not a Terraform plan: no 'configuration'; expected {_PLAN}, not a state file",
                )
            ]
        )
    reader = _PlanReader(doc)
    resources = reader.resources()
    if reader.problems:
        raise InputError(reader.problems)
    return Plan(name, reader.version, resources)


def propose_systems(plan: Plan) -> str:
    """Return YAML proposing a manifest system for each data-holding resource of ``plan``.

    Resources whose place the plan cannot tell are listed under ``unresolved`` with the reason;
    the types of the other resources, which are not data stores this tool knows, are named in
    a closing comment, so that a store of a type missing from :data:`DATA_RESOURCES` is seen.
    What the plan says cannot add a key (see :mod:`compliance.sources.draft`).

    Raises:
        InputError: a text of the plan no YAML file can hold.
    """
    systems: list[dict[str, str]] = []
    unresolved: list[dict[str, str]] = []
    others: set[str] = set()
    taken: set[str] = set()
    for res in plan.resources.values():
        if not res.holds_data:
            others.add(res.type)
            continue
        if res.location is None:
            unresolved.append({"terraform": res.address, "type": res.type, "reason": str(res.unknown)})
            continue
        systems.append(
            {"id": _system_id(res.address, taken), "location": res.location, "terraform": res.address}
        )
    version = f" (Terraform {plan.terraform_version})" if plan.terraform_version else ""
    header = (
        comment(f"Systems proposed from the Terraform plan {Path(plan.path).name}{version}.") + "\n"
        "# Each needs an operator and the datasets it stores before it joins a manifest; keep\n"
        "# `terraform` so `compliance check --terraform PLAN.json` can confirm the location.\n"
    )
    body: dict[str, Any] = {"systems": systems}
    if unresolved:
        body["unresolved"] = unresolved
    footer = (
        "# Not proposed, as no data store this tool knows (add any that holds personal data by\n"
        + comment(f"hand): {', '.join(sorted(others))}")
        + "\n"
        if others
        else ""
    )
    if not plan.resources:
        footer = "# The plan holds no managed resources: nothing to propose.\n"
    return header + dump(body, plan.path, width=100) + footer


def _system_id(address: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9.-]+", "-", address.lower()).strip("-.") or "resource"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident


#: What a plan file holds, for the errors about one that does not.
_PLAN = "a plan written by `terraform show -json PLANFILE`"


def _decode(name: str, raw: bytes) -> str:
    """The text of the plan file ``name``: UTF-8, or UTF-16 as PowerShell writes it. Raises
    :class:`InputError` at the first byte that is not text in its encoding."""
    codec, start = "utf-8", 0
    for bom, with_bom in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(bom):
            codec, start = with_bom, len(bom)
            break
    else:  # A JSON text starts with an ASCII character, so a zero byte beside it means UTF-16.
        if len(raw) >= 2 and raw[1] == 0:
            codec = "utf-16-le"
        elif len(raw) >= 2 and raw[0] == 0:
            codec = "utf-16-be"
    try:
        return raw[start:].decode(codec)
    except UnicodeDecodeError as exc:
        at = start + exc.start
        good = raw[start:at].decode(codec, "replace")  # the text before the bad byte, for its place
        line, column = good.count("\n") + 1, len(good) - (good.rfind("\n") + 1) + 1
        encoding = "UTF-8" if codec == "utf-8" else "UTF-16"
        message = f"not {encoding} text: byte 0x{raw[at]:02x} at offset {at}; expected {_PLAN}"
        raise InputError([Problem(name, line, column, message)]) from None


@dataclass(frozen=True)
class _ConfigResource:
    module: tuple[str, ...]
    provider_key: str
    expressions: Mapping[str, Any]
    at: Path_  # where ``expressions`` is in the plan


@dataclass(frozen=True)
class _Place:
    location: str | None
    unknown: str | None


#: What each kind of value the reader takes is called in its errors.
_KINDS: Mapping[type, str] = {dict: "an object", list: "a list", str: "a string"}


class _PlanReader:
    """Reads where each resource of a plan runs. Every value read is checked to be of the type
    Terraform writes there: a missing list or object is empty, as Terraform leaves empty ones
    out, but one of another type (``null`` included, but for a change's ``after``, and its
    ``after_unknown`` may be ``true``) is a problem, never read as empty. A resource needs its
    ``address`` and ``type``, and is listed once (a deposed object aside). :attr:`problems`
    lists each value that is not so, at its position."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        data: Mapping[str, Any] = doc.data
        self.data = data
        self.version: str = self._field(data, (), "terraform_version", str) or ""
        config = self._field(data, (), "configuration", dict)
        at: Path_ = ("configuration", "provider_config")
        self.providers: dict[str, tuple[Mapping[str, Any], Path_]] = {}
        for key, provider in self._field(config, ("configuration",), "provider_config", dict).items():
            if self._value(provider, (*at, key), dict) is provider:
                self._field(provider, (*at, key), "module_address", str)
                self.providers[key] = (provider, (*at, key))
        #: module path -> the module and where it is; module call path -> the call and where
        self.modules: dict[tuple[str, ...], tuple[Mapping[str, Any], Path_]] = {}
        self.calls: dict[tuple[str, ...], tuple[Mapping[str, Any], Path_]] = {}
        self.config: dict[tuple[tuple[str, ...], str], _ConfigResource] = {}
        root = ("configuration", "root_module")
        self._walk_config(self._field(config, ("configuration",), "root_module", dict), (), root)

    def resources(self) -> dict[str, PlannedResource]:
        out: dict[str, PlannedResource] = {}
        for address, rtype, (values, values_at), unknown in self._instances():
            module, local = _split_address(address)
            conf = self.config.get((module, local))
            place = self._place(rtype, values, values_at, unknown, conf, module)
            country = None
            location = place.location
            why = place.unknown
            if location is not None:
                location, country, why = _resolve(location)
            out[address] = PlannedResource(address, rtype, location, country, why)
        return out

    # --- reading values of the types Terraform writes -----------------------------------------

    def _report(self, at: Path_, message: str) -> None:
        """Add the problem ``message`` at ``at``, once however often the value is read."""
        problem = self.doc.problem(at, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def _field(
        self, node: Mapping[str, Any], at: Path_, key: str, kind: type, *, required: bool = False
    ) -> Any:
        """``node[key]``, ``node`` being the object at ``at``, when it is a ``kind`` (``dict``,
        ``list`` or ``str``); else what stands for none (``{}``, ``[]``, ``None``), with a
        problem when it is there but of another type, or missing though ``required``."""
        if key in node:
            return self._value(node[key], (*at, key), kind)
        if required:
            where = render_path(at) or "top level"
            self._report(at, f"{where}: missing required field {key!r}")
        return None if kind is str else kind()

    def _value(self, value: Any, at: Path_, kind: type) -> Any:
        """``value``, found at ``at``, when it is a ``kind``; else a problem and what stands
        for none (see :meth:`_field`)."""
        if isinstance(value, kind):
            return value
        got = "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else None
        shown = got or json.dumps(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        self._report(at, f"{render_path(at)}: expected {_KINDS[kind]}, got {shown}")
        return None if kind is str else kind()

    def _objects(
        self, node: Mapping[str, Any], at: Path_, key: str
    ) -> Iterator[tuple[Mapping[str, Any], Path_]]:
        """The objects of the list ``node[key]`` with where each is; a problem for any other value."""
        for i, item in enumerate(self._field(node, at, key, list)):
            if self._value(item, (*at, key, i), dict) is item:
                yield item, (*at, key, i)

    def _address(self, node: Mapping[str, Any], at: Path_, seen: dict[str, Path_]) -> str | None:
        """The resource address of ``node`` (at ``at``); ``None``, with a problem, when it has
        none, or one ``seen`` already (see :meth:`_first`)."""
        address: str | None = self._field(node, at, "address", str, required=True)
        if address == "":
            self._report((*at, "address"), f"{render_path(at)}.address: must not be empty")
            return None
        if address is None or not self._first(address, (*at, "address"), seen):
            return None
        return address

    def _first(self, name: str, at: Path_, seen: dict[str, Path_]) -> bool:
        """Whether the resource ``name``, read at ``at``, is not in ``seen`` (name -> where it
        was read first), now added; else a problem: which of two entries of one resource
        holds would depend on their order."""
        if name not in seen:
            seen[name] = at
            return True
        pos = self.doc.locate(seen[name])
        where = render_path(seen[name]) + (f", line {pos[0]}" if pos else "")
        why = "two entries for one resource make the plan ambiguous"
        self._report(at, f"{render_path(at)}: {name!r} again (first at {where}): {why}")
        return False

    # --- the configuration and the instances ----------------------------------------------------

    def _walk_config(self, module: Mapping[str, Any], path: tuple[str, ...], at: Path_) -> None:
        self.modules[path] = (module, at)
        defined: dict[str, Path_] = {}
        for res, res_at in self._objects(module, at, "resources"):
            if (self._field(res, res_at, "mode", str) or "managed") != "managed":
                continue
            rtype = self._field(res, res_at, "type", str, required=True)
            name = self._field(res, res_at, "name", str, required=True)
            key = self._field(res, res_at, "provider_config_key", str) or ""
            expressions = self._field(res, res_at, "expressions", dict)
            local = f"{rtype}.{name}"
            if rtype is not None and name is not None and self._first(local, (*res_at, "name"), defined):
                self.config[(path, local)] = _ConfigResource(path, key, expressions, (*res_at, "expressions"))
        for name, call in self._field(module, at, "module_calls", dict).items():
            call_at = (*at, "module_calls", name)
            call = self._value(call, call_at, dict)
            self.calls[(*path, name)] = (call, call_at)
            self._walk_config(self._field(call, call_at, "module", dict), (*path, name), (*call_at, "module"))

    def _instances(self) -> Iterator[tuple[str, str, tuple[Mapping[str, Any], Path_], Mapping[str, Any]]]:
        """Each managed resource instance the plan keeps, in plan order: its address, type,
        attribute values with where they are, and which of them are unknown until apply."""
        seen: dict[str, tuple[str, tuple[Mapping[str, Any], Path_], Mapping[str, Any]]] = {}
        first: dict[str, Path_] = {}
        for change, at in self._objects(self.data, (), "resource_changes"):
            # A deposed object (create_before_destroy) shares the address of its replacement
            # and is only ever destroyed: it says nothing of where the resource runs.
            deposed = self._field(change, at, "deposed", str)
            address = self._address(change, at, first) if deposed is None else None
            mode = self._field(change, at, "mode", str) or "managed"
            if deposed is not None or mode != "managed":
                continue
            rtype = self._field(change, at, "type", str, required=True)
            body = self._field(change, at, "change", dict, required=True)
            body_at = (*at, "change")
            actions = [
                self._value(a, (*body_at, "actions", i), str)
                for i, a in enumerate(self._field(body, body_at, "actions", list, required=True))
            ]
            after = body.get("after")  # null when deleted, absent when wholly unknown
            values = {} if after is None else self._value(after, (*body_at, "after"), dict)
            unknown = body.get("after_unknown")  # true when wholly unknown
            if not isinstance(unknown, bool):
                unknown = self._field(body, body_at, "after_unknown", dict)
            if address is None or rtype is None or actions == ["delete"]:
                continue
            seen[address] = (rtype, (values, (*body_at, "after")), unknown or {})
        planned = self._field(self.data, (), "planned_values", dict)
        module = self._field(planned, ("planned_values",), "root_module", dict)
        first = {}
        for res, at in self._planned(module, ("planned_values", "root_module")):
            address = self._address(res, at, first)
            if (self._field(res, at, "mode", str) or "managed") != "managed":
                continue
            rtype = self._field(res, at, "type", str, required=True)
            values = self._field(res, at, "values", dict)
            if address is None or rtype is None or address in seen:
                continue
            seen[address] = (rtype, (values, (*at, "values")), {})
        for address, (rtype, values, unknown) in seen.items():
            yield address, rtype, values, unknown

    def _planned(self, module: Mapping[str, Any], at: Path_) -> Iterator[tuple[Mapping[str, Any], Path_]]:
        yield from self._objects(module, at, "resources")
        for child, child_at in self._objects(module, at, "child_modules"):
            yield from self._planned(child, child_at)

    # --- where a resource runs -----------------------------------------------------------------

    def _place(
        self,
        rtype: str,
        values: Mapping[str, Any],
        values_at: Path_,
        unknown: Mapping[str, Any],
        conf: _ConfigResource | None,
        module: tuple[str, ...],
    ) -> _Place:
        family = PROVIDERS.get(rtype.split("_", 1)[0])
        if family is None:
            return _Place(None, f"resource type {rtype!r} is not from a cloud provider this tool knows")
        expressions = conf.expressions if conf else {}
        for attr in _RESOURCE_ATTRIBUTES[family]:
            value = values.get(attr)
            if value is not None and not isinstance(self._value(value, (*values_at, attr), str), str):
                return _Place(None, f"its {attr} is not text")
            if isinstance(value, str) and value:
                return _Place(f"{family}:{_region_code(family, value)}", None)
            # A computed attribute the configuration never set follows the provider; one it
            # set but the plan cannot evaluate is not known until apply.
            if attr in expressions and (unknown.get(attr) is True or value is None):
                assert conf is not None
                why = self._describe(expressions[attr], (*conf.at, attr))
                return _Place(None, f"its {attr} is only known after apply ({why})")
        if not _PROVIDER_ATTRIBUTES[family]:
            return _Place(None, f"the plan gives no location for this {rtype}")
        key = conf.provider_key if conf else rtype.split("_", 1)[0]
        return self._provider_place(family, key, module)

    def _provider_place(self, family: str, key: str, module: tuple[str, ...]) -> _Place:
        found = self._provider(key, module)
        if found is None:
            return _Place(None, f"no provider configuration {key!r} in the plan, so its region is not known")
        name, (config, at), where = found
        aliases = self._aliases(key) if name != key else []
        if aliases:
            # The module may have been passed an aliased configuration instead of inheriting:
            # the plan does not say which, and the two may be in different countries.
            return _Place(
                None,
                f"provider_config_key {key!r} names no configuration: the module inherits "
                f"{name!r} or was passed {_or_list(aliases)}, which the plan does not say",
            )
        expressions = self._field(config, at, "expressions", dict)
        for attr in _PROVIDER_ATTRIBUTES[family]:
            if attr not in expressions:
                continue
            expression_at = (*at, "expressions", attr)
            value, why = self._evaluate(
                self._value(expressions[attr], expression_at, dict), expression_at, where
            )
            if value is not None:
                return _Place(f"{family}:{_region_code(family, value)}", None)
            return _Place(None, f"provider configuration {name!r} sets {attr} to {why}")
        return _Place(
            None,
            f"provider configuration {name!r} sets no region; it comes from the environment "
            "when Terraform runs",
        )

    def _provider(
        self, key: str, module: tuple[str, ...]
    ) -> tuple[str, tuple[Mapping[str, Any], Path_], tuple[str, ...]] | None:
        if key in self.providers:
            config, at = self.providers[key]
            return key, (config, at), _module_path(str(config.get("module_address", "")))
        prefix, _, local = key.rpartition(":")
        path = _module_path(prefix) if prefix else module
        # The provider a module inherits is its nearest ancestor's configuration of that name.
        for depth in range(len(path), -1, -1):
            for candidate, (config, at) in self.providers.items():
                c_prefix, _, c_local = candidate.rpartition(":")
                c_path = _module_path(str(config.get("module_address", "")) or c_prefix)
                if c_local == local and c_path == path[:depth]:
                    return candidate, (config, at), c_path
        return None

    def _aliases(self, key: str) -> list[str]:
        """The aliased configurations (``aws.cn``) of the provider ``key`` names, anywhere in
        the plan."""
        local = key.rpartition(":")[2]
        return sorted(c for c in self.providers if c.rpartition(":")[2].startswith(f"{local}."))

    def _evaluate(
        self, expression: Mapping[str, Any], at: Path_, module: tuple[str, ...]
    ) -> tuple[str | None, str]:
        if "constant_value" in expression:
            value = expression["constant_value"]
            return (value, "") if isinstance(value, str) else (None, f"the non-text value {value!r}")
        references = self._references(expression, at)
        variable = next((r[4:] for r in references if r.startswith("var.")), None)
        if variable is None:
            return None, self._describe(expression, at)
        if not module:
            variables = self._field(self.data, (), "variables", dict)
            entry = self._field(variables, ("variables",), variable, dict)
            value = entry.get("value")
            if isinstance(value, str):
                return value, ""
            return None, f"var.{variable}, which has no value in the plan"
        call, call_at = self.calls.get(module, ({}, ()))
        arguments = self._field(call, call_at, "expressions", dict)
        argument = self._field(arguments, (*call_at, "expressions"), variable, dict)
        if not argument:
            body, body_at = self.modules.get(module, ({}, ()))
            declared = self._field(body, body_at, "variables", dict)
            default = self._field(declared, (*body_at, "variables"), variable, dict)
            if isinstance(default.get("default"), str):
                return str(default["default"]), ""
            return None, f"var.{variable} of module {'.'.join(module)}, which the plan does not give"
        return self._evaluate(argument, (*call_at, "expressions", variable), module[:-1])

    def _references(self, expression: Mapping[str, Any], at: Path_) -> list[str]:
        """The ``references`` of an expression (at ``at``): a list of strings."""
        listed = self._field(expression, at, "references", list)
        return [
            r for i, r in enumerate(listed) if isinstance(self._value(r, (*at, "references", i), str), str)
        ]

    def _describe(self, expression: Any, at: Path_) -> str:
        """What an attribute the plan cannot evaluate is computed from; a nested block (a list)
        is computed by Terraform."""
        references = self._references(expression, at) if isinstance(expression, dict) else []
        if references:
            return "computed from " + ", ".join(references)
        return "computed by Terraform"


def _or_list(words: Sequence[str]) -> str:
    quoted = [repr(w) for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _resolve(location: str) -> tuple[str | None, str | None, str | None]:
    try:
        return location, jurisdictions.resolve_location(location), None
    except jurisdictions.UnknownLocation as exc:
        return None, None, f"{location}: {exc.reason}"


def _region_code(family: str, value: str) -> str:
    """Spell a region as the region table does: Azure display names and upper-case Google
    locations (``"West Europe"``, ``"EUROPE-WEST1"``) become API codes; Google multi-regions,
    case-insensitive in the API (``"eu"``, ``"EU"``), are spelled as Google lists them
    (``EU``) so the region table can say why they have no country."""
    if family == "azure":
        return re.sub(r"\s+", "", value).lower()
    if family == "gcp":
        return value.lower() if any(c.isdigit() for c in value) else value.upper()
    return value


def _split_address(address: str) -> tuple[tuple[str, ...], str]:
    """``module.a[0].module.b.aws_s3_bucket.x["k"]`` -> ``(("a", "b"), "aws_s3_bucket.x")``."""
    parts = _INSTANCE_KEY.sub("", address).split(".")
    module: list[str] = []
    while len(parts) > 2 and parts[0] == "module":
        module.append(parts[1])
        parts = parts[2:]
    return tuple(module), ".".join(parts)


def _module_path(prefix: str) -> tuple[str, ...]:
    """A provider key's module part (``module.a.module.b`` or, in older plans, ``a:b``)."""
    if not prefix:
        return ()
    if prefix.startswith("module."):
        return _split_address(prefix + ".x.y")[0]
    return tuple(p for p in prefix.split(":") if p)
