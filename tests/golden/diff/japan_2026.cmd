diff ../../../examples/japan/three_principles.pol --as-of 2026-04-20 --against 2026-04-21 --facts ../../../examples/japan/cases.json
