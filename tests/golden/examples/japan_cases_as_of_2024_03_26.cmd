run ../../../examples/japan/three_principles.pol --facts ../../../examples/japan/cases.json --as-of 2024-03-26
