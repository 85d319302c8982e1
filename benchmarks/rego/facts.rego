# Facts the three mirrored rules need, computed in Rego from data.compliance.edges:
# dataset classes, lineage (where each dataset is, what EEA systems reach), which datasets
# were collected in mainland China, CN/EU transfer datasets per edge and the organization's
# CN volume totals. Mirrors compliance/facts/graph.py and compliance/facts/volumes.py.
package compliance.facts

import data.compliance.edges as E
import rego.v1

eea := {c | some c in data.ref.eea}

cn := {c | some c in data.ref.cn_mainland}

# --- dataset classes (rules/data/categories.yaml over the fideslang key hierarchy) --------

personal_key(k) if k == "user"

personal_key(k) if startswith(k, "user.")

# In a class: the key is listed, lies under a listed key, or lies above one (a broader key
# may hold the sensitive data below it). The hierarchy is read from the dots of the keys.
related(k, l) if k == l

related(k, l) if startswith(k, concat("", [l, "."]))

related(k, l) if startswith(l, concat("", [k, "."]))

sensitive_key(k) if {
	some l in data.ref.pipl_sensitive
	related(k, l)
}

personal_of contains d if {
	some d, ds in E.datasets
	some c in ds.categories
	personal_key(c)
}

sensitive_of contains d if {
	some d, ds in E.datasets
	some c in ds.categories
	personal_key(c)
	sensitive_key(c)
}

non_sensitive_of contains d if {
	some d, ds in E.datasets
	some c in ds.categories
	personal_key(c)
	not sensitive_key(c)
}

individuals_of[d] := sum([s.count | some s in ds.subjects]) if some d, ds in E.datasets

# Partial rules (*_of) are copied into complete documents once: a keyed lookup into a partial
# rule re-evaluates its body in regopy.
personal := personal_of

sensitive := sensitive_of

non_sensitive := non_sensitive_of

individuals := individuals_of

# --- lineage ---------------------------------------------------------------------------

# dataset id -> [source, destination] of every flow carrying it (materialised once: a keyed
# lookup into a partial rule re-evaluates its body in regopy)
carried_by[d] contains [e.source, e.to] if {
	some e in E.flow_edges
	some d in e.datasets
}

carried := carried_by

# dataset id -> {system: {next systems}}. Every system the data touches is a key: regopy's
# graph.reachable leaves out nodes that are not keys of the graph.
adj_of[d] := {s: {p[1] | some p in pairs; p[0] == s} | some s in stored(d) | sources(d) | inbound(d)} if {
	some d, _ in E.datasets
	pairs := object.get(carried, d, set())
}

adj := adj_of

stores := E.stores

stored(d) := {s | some s in object.get(stores, d, [])}

sources(d) := {p[0] | some p in object.get(carried, d, set())}

inbound(d) := {p[1] | some p in object.get(carried, d, set())}

# Where the data first appears: holders without an inbound flow; on a cycle, where it is
# stored; failing that, every holder.
first(holders, st, inb) := holders - inb if count(holders - inb) > 0

first(holders, st, inb) := st if {
	count(holders - inb) == 0
	count(st) > 0
}

first(holders, st, inb) := holders if {
	count(holders - inb) == 0
	count(st) == 0
}

origins_of[d] := first(stored(d) | sources(d), stored(d), inbound(d)) if some d, _ in E.datasets

present_of[d] := graph.reachable(adj[d], origins[d] | stored(d)) if some d, _ in E.datasets

eea_reached_of[d] := graph.reachable(
	adj[d],
	{s | some s in present_at[d]; eea[E.system_country[s]]},
) if some d, _ in E.datasets

origins := origins_of

present_at := present_of

eea_reached := eea_reached_of

collected_in_cn(ds, d) if {
	some c in ds.collected_in
	cn[c]
}

cn_collected contains d if {
	some d, ds in E.datasets
	object.get(ds, "collected_in", null) != null
	collected_in_cn(ds, d)
}

cn_collected contains d if {
	some d, ds in E.datasets
	object.get(ds, "collected_in", null) == null
	some s in origins[d]
	cn[E.system_country[s]]
}

# --- transfers -------------------------------------------------------------------------

held(system) := {d | at := present_at[d]; system in at}

edge_datasets(e) := e.datasets if e.kind == "flow"

edge_datasets(e) := held(e.source) if e.kind == "remote_access"

governed_cn(d) if personal[d]

governed_cn(d) if E.datasets[d].important_data == true

governed_cn(d) if E.datasets[d].core_data == true

# edge key -> datasets the CN rules govern on it (defined only for CN transfers)
cn_datasets_of[k] := ds if {
	some k, e in E.edges
	cn[e.source_country]
	not cn[e.destination_country]
	ds := {d | some d in edge_datasets(e); cn_collected[d]; governed_cn(d)}
	count(ds) > 0
}

eu_exporter(e, d) if eea[e.source_country]

eu_exporter(e, d) if e.source in eea_reached[d]

# edge key -> personal datasets of a GDPR Chapter V (or onward) transfer
eu_datasets_of[k] := ds if {
	some k, e in E.edges
	not e.same_entity
	not eea[e.destination_country]
	ds := {d | some d in edge_datasets(e); personal[d]; eu_exporter(e, d)}
	count(ds) > 0
}

cn_datasets := cn_datasets_of

eu_datasets := eu_datasets_of

# --- CN volume totals (per dataset the largest figure among the edges that count) ----------

# Exemptions remove an edge from the totals only since the 2024 provisions.
counts(e) if e.exemption == null

counts(e) if data.ref.as_of < data.ref.cn_regime_change

# The flow's `individuals` narrows the dataset's figure. regopy 1.5.2's min/max/sort order
# numbers as text (min([5000, 1204000]) is 1204000), so the comparisons are written out;
# the dataset's figure is an argument because a function body that refers to another rule
# re-evaluates it on every call in regopy.
narrowed(x, total) := total if x == null

narrowed(x, total) := x if {
	x != null
	x < total
}

narrowed(x, total) := total if {
	x != null
	x >= total
}

largest(ns) := m if {
	some m in ns
	every x in ns {
		x <= m
	}
}

figures_of[d] contains n if {
	some k, ds in cn_datasets
	e := E.edges[k]
	counts(e)
	some d in ds
	personal[d]
	n := narrowed(e.individuals, individuals[d])
}

figures := figures_of

total_sensitive := sum([largest(ns) | ns := figures[d]; sensitive[d]])

total_non_sensitive := sum([largest(ns) | ns := figures[d]; non_sensitive[d]])
