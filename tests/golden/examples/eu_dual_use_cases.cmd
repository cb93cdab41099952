run ../../../examples/eu-dual-use/dual_use.pol --facts ../../../examples/eu-dual-use/cases.json
