# Edges of a manifest for the Rego peer (benchmarks/peer_rego.py, variant "plain").
#
# Input: the manifest JSON exactly as the file holds it. Reference data (data.ref): the
# region -> country table, the group lists and adequacy scopes on the as-of date, the
# PIPL-sensitive category keys and the dates from rules/data (see peer_rego.py). Everything
# else (countries of systems, edges, lineage, transfers, totals) is computed here and in
# facts.rego. The "prejoined" variant replaces this file with edges_prejoined.rego.
package compliance.edges

import rego.v1

# A location is an ISO country code or provider:region (looked up in the region table).
country(loc) := data.ref.regions[loc] if contains(loc, ":")

country(loc) := loc if not contains(loc, ":")

system_country := {s.id: country(s.location) | some s in input.systems}

operator := {s.id: s.operator.name | some s in input.systems}

datasets := {d.id: d | some d in input.datasets}

organization := input.organization

# dataset id -> systems that store it
stores_of[d] contains s.id if {
	some s in input.systems
	some d in s.stores
}

stores := stores_of

# The engine compares entity names after Unicode NFC and whitespace folding; trimming is
# enough for the generated manifests (names are plain ASCII with single spaces).
same_name(a, b) := trim_space(a) == trim_space(b)

# Edges are arrays built by array comprehensions, not objects keyed by edge: regopy 1.5.2
# scans an object's keys (or a set's members) linearly on lookup and on every insert, so an
# object of 10,000 edges costs seconds to build and milliseconds per lookup. The rules only
# iterate over edges, never look one up by key.
edges := array.concat(flow_edges, access_edges)

flow_edges := [e |
	some f in input.flows
	e := {
		"kind": "flow",
		"target": ["flow", f.id],
		"source": f.from,
		"to": f.to,
		"source_country": system_country[f.from],
		"destination_country": system_country[f.to],
		"datasets": f.datasets,
		"mechanisms": f.mechanisms,
		"exemption": object.get(f, "exemption", null),
		"same_entity": same_name(operator[f.from], f.recipient.name),
		"recipient": f.recipient,
		"individuals": object.get(f, "individuals", null),
		"started_on": f.started_on,
	}
]

access(a) := {"location": a} if is_string(a)

access(a) := a if is_object(a)

# Remote access (access_from): an edge from the accessed system to the accessing location;
# its datasets are those the system holds (facts.rego, from lineage).
access_edges := [e |
	some s in input.systems
	some raw in object.get(s, "access_from", [])
	a := access(raw)
	e := {
		"kind": "remote_access",
		"target": ["system", s.id],
		"source": s.id,
		"source_country": system_country[s.id],
		"destination_country": country(a.location),
		"datasets": null,
		"mechanisms": object.get(a, "mechanisms", []),
		"exemption": object.get(a, "exemption", null),
		"same_entity": object.get(a, "by", "other_entity") == "same_entity",
		"recipient": null,
		"access_dpf": object.get(a, "dpf_certified", null),
		"access_scope": object.get(a, "adequacy_scope", null),
		"individuals": null,
		"started_on": null,
	}
]
