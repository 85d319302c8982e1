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
value) is reported with the reason, never guessed.
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
from compliance.sources.document import json_problem, read_bytes
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

    Raises:
        InputError: the file cannot be read, is not JSON, or is not a Terraform plan.
    """
    name = str(path)
    text = _decode(name, read_bytes(path, what="Terraform plan"))
    if not text.strip():
        raise InputError([Problem(name, None, None, f"file is empty; expected {_PLAN}")])
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # a syntax error, an integer too long, deep nesting
        problem = json_problem(
            name, text, exc, note=f"; expected {_PLAN}", depth_limit=False, what="Terraform plan"
        )
        raise InputError([problem]) from None
    if not isinstance(data, dict) or "configuration" not in data:
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
    return Plan(name, str(data.get("terraform_version", "")), _PlanReader(data).resources())


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


@dataclass(frozen=True)
class _Place:
    location: str | None
    unknown: str | None


class _PlanReader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        config = _mapping(data.get("configuration"))
        self.providers = _mapping(config.get("provider_config"))
        self.modules: dict[tuple[str, ...], Mapping[str, Any]] = {}
        self.calls: dict[tuple[str, ...], Mapping[str, Any]] = {}
        self.config: dict[tuple[tuple[str, ...], str], _ConfigResource] = {}
        self._walk_config(_mapping(config.get("root_module")), ())

    def resources(self) -> dict[str, PlannedResource]:
        out: dict[str, PlannedResource] = {}
        for address, rtype, values, unknown in self._instances():
            module, local = _split_address(address)
            conf = self.config.get((module, local))
            place = self._place(rtype, values, unknown, conf, module)
            country = None
            location = place.location
            why = place.unknown
            if location is not None:
                location, country, why = _resolve(location)
            out[address] = PlannedResource(address, rtype, location, country, why)
        return out

    def _walk_config(self, module: Mapping[str, Any], path: tuple[str, ...]) -> None:
        self.modules[path] = module
        for res in _sequence(module.get("resources")):
            res = _mapping(res)
            if res.get("mode", "managed") != "managed":
                continue
            local = f"{res.get('type')}.{res.get('name')}"
            self.config[(path, local)] = _ConfigResource(
                path, str(res.get("provider_config_key", "")), _mapping(res.get("expressions"))
            )
        for name, call in _mapping(module.get("module_calls")).items():
            call = _mapping(call)
            self.calls[(*path, name)] = call
            self._walk_config(_mapping(call.get("module")), (*path, name))

    def _instances(self) -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
        seen: dict[str, tuple[str, Mapping[str, Any], Mapping[str, Any]]] = {}
        for change in _sequence(self.data.get("resource_changes")):
            change = _mapping(change)
            if change.get("mode", "managed") != "managed":
                continue
            body = _mapping(change.get("change"))
            if body.get("actions") == ["delete"]:
                continue
            seen[str(change.get("address"))] = (
                str(change.get("type")),
                _mapping(body.get("after")),
                _mapping(body.get("after_unknown")),
            )
        for res in _planned(_mapping(_mapping(self.data.get("planned_values")).get("root_module"))):
            address = str(res.get("address"))
            if res.get("mode", "managed") == "managed" and address not in seen:
                seen[address] = (str(res.get("type")), _mapping(res.get("values")), {})
        for address, (rtype, values, unknown) in seen.items():
            yield address, rtype, values, unknown

    def _place(
        self,
        rtype: str,
        values: Mapping[str, Any],
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
            if isinstance(value, str) and value:
                return _Place(f"{family}:{_region_code(family, value)}", None)
            # A computed attribute the configuration never set follows the provider; one it
            # set but the plan cannot evaluate is not known until apply.
            if attr in expressions and (unknown.get(attr) is True or value is None):
                return _Place(None, f"its {attr} is only known after apply ({_describe(expressions[attr])})")
        if not _PROVIDER_ATTRIBUTES[family]:
            return _Place(None, f"the plan gives no location for this {rtype}")
        key = conf.provider_key if conf else rtype.split("_", 1)[0]
        return self._provider_place(family, key, module)

    def _provider_place(self, family: str, key: str, module: tuple[str, ...]) -> _Place:
        found = self._provider(key, module)
        if found is None:
            return _Place(None, f"no provider configuration {key!r} in the plan, so its region is not known")
        name, config, where = found
        aliases = self._aliases(key) if name != key else []
        if aliases:
            # The module may have been passed an aliased configuration instead of inheriting:
            # the plan does not say which, and the two may be in different countries.
            return _Place(
                None,
                f"provider_config_key {key!r} names no configuration: the module inherits "
                f"{name!r} or was passed {_or_list(aliases)}, which the plan does not say",
            )
        expressions = _mapping(config.get("expressions"))
        for attr in _PROVIDER_ATTRIBUTES[family]:
            if attr not in expressions:
                continue
            value, why = self._evaluate(_mapping(expressions[attr]), where)
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
    ) -> tuple[str, Mapping[str, Any], tuple[str, ...]] | None:
        if key in self.providers:
            config = _mapping(self.providers[key])
            return key, config, _module_path(str(config.get("module_address", "")))
        prefix, _, local = key.rpartition(":")
        path = _module_path(prefix) if prefix else module
        # The provider a module inherits is its nearest ancestor's configuration of that name.
        for depth in range(len(path), -1, -1):
            for candidate, config in self.providers.items():
                config = _mapping(config)
                c_prefix, _, c_local = candidate.rpartition(":")
                c_path = _module_path(str(config.get("module_address", "")) or c_prefix)
                if c_local == local and c_path == path[:depth]:
                    return candidate, config, c_path
        return None

    def _aliases(self, key: str) -> list[str]:
        """The aliased configurations (``aws.cn``) of the provider ``key`` names, anywhere in
        the plan."""
        local = key.rpartition(":")[2]
        return sorted(c for c in self.providers if c.rpartition(":")[2].startswith(f"{local}."))

    def _evaluate(self, expression: Mapping[str, Any], module: tuple[str, ...]) -> tuple[str | None, str]:
        if "constant_value" in expression:
            value = expression["constant_value"]
            return (value, "") if isinstance(value, str) else (None, f"the non-text value {value!r}")
        references = [str(r) for r in _sequence(expression.get("references"))]
        variable = next((r[4:] for r in references if r.startswith("var.")), None)
        if variable is None:
            return None, _describe(expression)
        if not module:
            entry = _mapping(_mapping(self.data.get("variables")).get(variable))
            value = entry.get("value")
            if isinstance(value, str):
                return value, ""
            return None, f"var.{variable}, which has no value in the plan"
        argument = _mapping(_mapping(self.calls.get(module, {}).get("expressions")).get(variable))
        if not argument:
            default = _mapping(_mapping(self.modules.get(module, {}).get("variables")).get(variable))
            if isinstance(default.get("default"), str):
                return str(default["default"]), ""
            return None, f"var.{variable} of module {'.'.join(module)}, which the plan does not give"
        return self._evaluate(argument, module[:-1])


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


def _describe(expression: Any) -> str:
    references = [str(r) for r in _sequence(_mapping(expression).get("references"))]
    if references:
        return "computed from " + ", ".join(references)
    return "computed by Terraform"


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


def _planned(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for res in _sequence(module.get("resources")):
        yield _mapping(res)
    for child in _sequence(module.get("child_modules")):
        yield from _planned(_mapping(child))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []
