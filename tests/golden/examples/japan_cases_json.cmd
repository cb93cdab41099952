run ../../../examples/japan/three_principles.pol --facts ../../../examples/japan/cases.json --format json
