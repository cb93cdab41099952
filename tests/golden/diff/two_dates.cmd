diff old.pol --as-of 2023-12-21 --against 2023-12-22 --facts facts.json
