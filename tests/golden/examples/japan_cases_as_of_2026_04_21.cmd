run ../../../examples/japan/three_principles.pol --facts ../../../examples/japan/cases.json --as-of 2026-04-21
