# Edges of a manifest for the Rego peer, variant "prejoined": Python (peer_rego.py) has
# already joined every flow and remote access with its systems' countries, so this file only
# hands the pre-joined input on. Lineage, transfers, totals and rules stay in Rego.
package compliance.edges

import rego.v1

system_country := input.system_country

datasets := input.datasets

organization := input.organization

stores := input.stores

# An array of edges (see edges.rego for why not an object keyed by edge)
edges := input.edges

flow_edges := [e | some e in input.edges; e.kind == "flow"]

access_edges := [e | some e in input.edges; e.kind == "remote_access"]
