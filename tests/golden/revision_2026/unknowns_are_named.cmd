run ../../../examples/japan/three_principles.pol --facts unknowns_are_named.json
