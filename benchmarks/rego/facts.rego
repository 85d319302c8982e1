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

stores := E.stores

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

# Per dataset: its flow graph {system: {next systems}} (every system the data touches is a
# key: regopy's graph.reachable leaves out nodes that are not keys of the graph), where it
# first appears and where it is present. Computed in rule bodies, not in helper functions
# that read `carried` or `stores`: in regopy 1.5.2 a function that refers to a rule costs
# time in proportion to that rule's value on every call.
lineage_of[d] := {"adj": adj, "origins": origins, "present": graph.reachable(adj, origins | stored)} if {
	some d, _ in E.datasets
	pairs := object.get(carried, d, set())
	stored := {s | some s in object.get(stores, d, [])}
	sources := {p[0] | some p in pairs}
	inbound := {p[1] | some p in pairs}
	adj := {s: {p[1] | some p in pairs; p[0] == s} | some s in stored | sources | inbound}
	origins := first(stored | sources, stored, inbound)
}

lineage := lineage_of

origins_of[d] := lineage[d].origins if some d, _ in lineage

present_of[d] := lineage[d].present if some d, _ in lineage

# systems located in the EEA and in mainland China (one pass over the systems, so lineage
# intersects sets instead of looking up each system's country)
eea_system contains s if {
	some s, c in E.system_country
	eea[c]
}

cn_system contains s if {
	some s, c in E.system_country
	cn[c]
}

eea_systems := eea_system

cn_systems := cn_system

eea_reached_of[d] := graph.reachable(lineage[d].adj, lineage[d].present & eea_systems) if some d, _ in lineage

origins := origins_of

present_at := present_of

eea_reached := eea_reached_of

collected_in_cn(ds, d) if {
	some c in ds.collected_in
	cn[c]
}

cn_collected_of contains d if {
	some d, ds in E.datasets
	object.get(ds, "collected_in", null) != null
	collected_in_cn(ds, d)
}

cn_collected_of contains d if {
	some d, ds in E.datasets
	object.get(ds, "collected_in", null) == null
	count(origins[d] & cn_systems) > 0
}

cn_collected := cn_collected_of

# --- transfers -------------------------------------------------------------------------

# datasets the CN rules govern: personal, important or core data
governed_of contains d if some d in personal

governed_of contains d if {
	some d, ds in E.datasets
	ds.important_data == true
}

governed_of contains d if {
	some d, ds in E.datasets
	ds.core_data == true
}

governed := governed_of

# Edges with the datasets they transfer: a flow its own, a remote access those its system
# holds.
transfer_edges := array.concat(
	E.flow_edges,
	[object.union(e, {"datasets": {d | at := present_at[d]; e.source in at}}) | some e in E.access_edges],
)

# cn_transfers: [{"edge": e, "datasets": the datasets the CN rules govern on it}] for each
# CN transfer; eu_transfers: the same for GDPR Chapter V (or onward) transfers and their
# personal datasets. Arrays built in one pass over the edges, not objects keyed by edge:
# regopy 1.5.2 finds an object key (or set member) by a linear scan and builds a set or
# object with a scan per insert, so an edge-keyed object of 10,000 edges, or a lookup into
# one per finding, is quadratic in the flows.
cn_transfers := [{"edge": e, "datasets": ds} |
	some e in transfer_edges
	cn[e.source_country]
	not cn[e.destination_country]
	ds := {d | some d in e.datasets; cn_collected[d]; governed[d]}
	count(ds) > 0
]

# the exporter is in the EEA, or the data reached this system from an EEA system
eu_transfers := [{"edge": e, "datasets": ds} |
	some e in transfer_edges
	not e.same_entity
	not eea[e.destination_country]
	ds := {d | some d in e.datasets; personal[d]; eea[e.source_country]} | {d |
		some d in e.datasets
		personal[d]
		e.source in eea_reached[d]
	}
	count(ds) > 0
]

# --- CN volume totals (per dataset the largest figure among the edges that count) ----------

# An exemption covers a CN transfer (and takes it out of the totals and the volume rules)
# only since the 2024 provisions, and a contract, HR or emergency exemption never on an edge
# carrying important or core data (CBDF Art. 5, closing sentence).
counts(t) if t.edge.exemption == null

counts(t) if data.ref.as_of < data.ref.cn_regime_change

counts(t) if {
	{"contract", "hr", "emergency"}[t.edge.exemption]
	some d in t.datasets
	beyond_art5[d]
}

beyond_art5 contains d if {
	some d, ds in E.datasets
	ds.important_data == true
}

beyond_art5 contains d if {
	some d, ds in E.datasets
	ds.core_data == true
}

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
	some t in cn_transfers
	e := t.edge
	counts(t)
	some d in t.datasets
	personal[d]
	n := narrowed(e.individuals, individuals[d])
}

figures := figures_of

total_sensitive := sum([largest(ns) | ns := figures[d]; sensitive[d]])

total_non_sensitive := sum([largest(ns) | ns := figures[d]; non_sensitive[d]])
