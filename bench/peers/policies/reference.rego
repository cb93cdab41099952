# The reference workload's ten rules in Rego.
# `data.countries` and `data.items` hold the facts, keyed by code and id; `input` is one transfer.
# Dates are numbers: days since 1970-01-01.
# `decision` gives `allow` and the deciding rules: the deny rules that applied if any did, else the permit rules that applied.
package reference

import rego.v1

home := "C000"

task_categories := {"rescue", "transport", "warning", "surveillance", "minesweeping"}

item := data.items[input.item]

destination := data.countries[input.destination]

# Undefined when the transfer has no onward destination.
onward := data.countries[input.onward]

has_onward if input.onward

from_home if input.exporter == home

under_embargo(country) if country.embargo_since <= input.date

has_agreement(country) if country.agreement_since <= input.date

to_licensor if item.licensed_from == input.destination

joint_with_exporter if {
	count(item.joint_partners) > 0
	from_home
}

joint_with_exporter if {
	count(item.joint_partners) > 0
	input.exporter in item.joint_partners
}

to_partner if input.destination in item.joint_partners

no_onward_or_consent if not has_onward

no_onward_or_consent if input.consent

deny contains "embargo" if under_embargo(destination)

deny contains "embargo-onward" if under_embargo(onward)

deny contains "conflict-lethal" if {
	item.lethal
	destination.in_conflict
}

deny contains "conflict-lethal-onward" if {
	item.lethal
	onward.in_conflict
}

permit contains "licensed-return" if {
	from_home
	to_licensor
	not has_onward
}

permit contains "licensed-return-onward" if {
	from_home
	to_licensor
	input.consent
	onward.in_conflict == false
}

permit contains "component-to-licensor" if {
	from_home
	item.is_component
	to_licensor
}

permit contains "joint-development-partner" if {
	joint_with_exporter
	to_partner
}

permit contains "joint-development-third-country" if {
	joint_with_exporter
	not to_partner
	has_agreement(destination)
	destination.in_conflict == false
	not has_onward
}

permit contains "five-categories" if {
	from_home
	item.lethal == false
	item.category in task_categories
	destination.security_partner
	no_onward_or_consent
}

default allow := false

allow if {
	count(deny) == 0
	count(permit) > 0
}

rules := deny if count(deny) > 0
else := permit

decision := {"allow": allow, "rules": rules}
