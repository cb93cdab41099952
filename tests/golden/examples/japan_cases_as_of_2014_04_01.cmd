run ../../../examples/japan/three_principles.pol --facts ../../../examples/japan/cases.json --as-of 2014-04-01
