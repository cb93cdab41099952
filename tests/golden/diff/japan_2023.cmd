diff ../../../examples/japan/three_principles.pol --as-of 2023-12-21 --against 2023-12-22 --facts ../../../examples/japan/cases.json
