run ../../../examples/japan/three_principles.pol --facts ../../../examples/japan/cases.json --as-of 2023-12-22
