diff ../../../examples/japan/three_principles.pol --as-of 2024-03-25 --against 2024-03-26 --facts ../../../examples/japan/cases.json --format json
