# The three shipped rules mirrored in Rego (rules/eu/EU-GDPR-44-TRANSFER-TOOL.yaml,
# rules/cn/CN-CBDF-8-CONTRACT-OR-CERT.yaml, rules/cn/CN-CBDF-7-VOLUME-ASSESSMENT.yaml).
# findings: a set of [rule id, target kind, target id, outcome] before waivers.
package compliance.rules

import data.compliance.edges as E
import data.compliance.facts as F
import rego.v1


# --- mechanisms in force on the as-of date (compliance/facts/mechanisms.py) -------------

# Last day a CAC assessment counts (inclusive): approval + 2 years (before the 2024
# provisions) or + 3 years (29 February counts as 28 February).
cac_years(day) := 2 if day < data.ref.cn_regime_change

cac_years(day) := 3 if day >= data.ref.cn_regime_change

month_day(day) := "02-28" if substring(day, 5, 5) == "02-29"

month_day(day) := substring(day, 5, 5) if substring(day, 5, 5) != "02-29"

cac_end(day) := sprintf("%d-%s", [to_number(substring(day, 0, 4)) + cac_years(day), month_day(day)])

in_force(m, start) if {
	m.type == "cac-security-assessment"
	m.approved_on <= data.ref.as_of
	object.get(m, "expires_on", null) == null
	data.ref.as_of <= cac_end(m.approved_on)
}

in_force(m, start) if {
	m.type == "cac-security-assessment"
	m.approved_on <= data.ref.as_of
	object.get(m, "expires_on", null) != null
	data.ref.as_of <= m.expires_on
}

in_force(m, start) if {
	m.type == "cn-standard-contract"
	object.get(m, "filed_on", null) != null
	m.filed_on <= data.ref.as_of
}

in_force(m, start) if {
	m.type == "pi-protection-certification"
	m.certified_on <= data.ref.as_of
	data.ref.as_of <= m.expires_on
}

in_force(m, start) if {
	m.type == "scc-2021"
	m.signed_on >= data.ref.scc.new_clauses_in_force
	m.signed_on <= data.ref.as_of
}

# 2021 SCCs signed after the decision's adoption but before its entry into force: undecided
undecided(m, start) if {
	m.type == "scc-2021"
	m.signed_on >= data.ref.scc.new_clauses_adopted
	m.signed_on < data.ref.scc.new_clauses_in_force
	m.signed_on <= data.ref.as_of
}

in_force(m, start) if {
	m.type == "scc-2010"
	m.signed_on < data.ref.scc.repealed
	m.signed_on <= data.ref.as_of
	data.ref.as_of <= data.ref.scc.transition_end
	not began_after_repeal(start)
}

# the transition covered only transfers already running on the repeal day (``start``: the
# edge's started_on, null for remote access)
began_after_repeal(start) if {
	data.ref.as_of >= data.ref.scc.repealed
	start != null
	start >= data.ref.scc.repealed
}

in_force(m, start) if {
	m.type in {"bcr", "code-of-conduct", "certification", "ad-hoc-clauses"}
	m.approved_on <= data.ref.as_of
}

any_in_force(e, types) if {
	some m in e.mechanisms
	m.type in types
	in_force(m, e.started_on)
}

any_undecided(e, types) if {
	some m in e.mechanisms
	m.type in types
	undecided(m, e.started_on)
}

# --- EU-GDPR-44-TRANSFER-TOOL ----------------------------------------------------------

recipient_scope(e) := object.get(e.recipient, "adequacy_scope", null) if e.kind == "flow"

# remote access: what its access_from entry records (null when it records nothing)
recipient_scope(e) := e.access_scope if e.kind != "flow"

dpf_of(e) := e.recipient.dpf_certified if e.kind == "flow"

dpf_of(e) := e.access_dpf if e.kind != "flow"

# adequacy: true, false or "undecided"
adequacy(e) := false if not data.ref.adequacy[e.destination_country]

adequacy(e) := false if {
	data.ref.adequacy[e.destination_country]
	recipient_scope(e) == "out"
}

adequacy(e) := scoped(data.ref.adequacy[e.destination_country], e) if recipient_scope(e) != "out"

scoped("country", e) := true

scoped("unconfirmed", e) := "undecided"

scoped("dpf_certified", e) := true if dpf_of(e) == true

scoped("dpf_certified", e) := false if dpf_of(e) == false

scoped("dpf_certified", e) := "undecided" if dpf_of(e) == null

scoped("recipient_declared", e) := true if recipient_scope(e) == "in"

scoped("recipient_declared", e) := "undecided" if recipient_scope(e) == null

eu_tools := {"scc-2021", "scc-2010", "bcr", "code-of-conduct", "certification", "ad-hoc-clauses"}

eu_satisfied(e) if adequacy(e) == true

eu_satisfied(e) if any_in_force(e, eu_tools)

eu_satisfied(e) if {
	some m in e.mechanisms
	m.type == "derogation"
}

eu_outcome(e) := "needs_review" if adequacy(e) == "undecided"

eu_outcome(e) := "needs_review" if {
	adequacy(e) == false
	any_undecided(e, eu_tools)
}

eu_outcome(e) := "violation" if {
	adequacy(e) == false
	not any_undecided(e, eu_tools)
}

findings contains ["EU-GDPR-44-TRANSFER-TOOL", e.target[0], e.target[1], eu_outcome(e)] if {
	data.ref.as_of >= "2018-05-25"
	some t in F.eu_transfers
	e := t.edge
	not eu_satisfied(e)
}

# --- CN-CBDF-8-CONTRACT-OR-CERT and CN-CBDF-7-VOLUME-ASSESSMENT ---------------------------

# Each total lands only on the flows that add to it (sensitive and non-sensitive PI are tested
# separately): a flow's level is that of the totals of the kinds it carries.
carries_non_sensitive(t) if {
	some d in t.datasets
	F.non_sensitive[d]
}

carries_sensitive(t) if {
	some d in t.datasets
	F.sensitive[d]
}

mid_volume(t) if {
	carries_non_sensitive(t)
	F.total_non_sensitive >= 100000
	F.total_non_sensitive < 1000000
}

mid_volume(t) if {
	carries_sensitive(t)
	F.total_sensitive >= 1
	F.total_sensitive < 10000
}

high_volume(t) if {
	carries_non_sensitive(t)
	F.total_non_sensitive >= 1000000
}

high_volume(t) if {
	carries_sensitive(t)
	F.total_sensitive >= 10000
}

contract_or_cert := {"cn-standard-contract", "pi-protection-certification", "cac-security-assessment"}

findings contains ["CN-CBDF-8-CONTRACT-OR-CERT", e.target[0], e.target[1], "violation"] if {
	some t in F.cn_transfers
	mid_volume(t)
	not high_volume(t)
	e := t.edge
	data.ref.as_of >= "2024-03-22"
	some d in t.datasets
	F.personal[d]
	F.counts(t)
	object.get(E.organization, "ciio", false) == false
	not any_in_force(e, contract_or_cert)
}

findings contains ["CN-CBDF-7-VOLUME-ASSESSMENT", e.target[0], e.target[1], "violation"] if {
	some t in F.cn_transfers
	high_volume(t)
	e := t.edge
	data.ref.as_of >= "2024-03-22"
	some d in t.datasets
	F.personal[d]
	F.counts(t)
	object.get(E.organization, "ciio", false) == false
	not any_in_force(e, {"cac-security-assessment"})
}
