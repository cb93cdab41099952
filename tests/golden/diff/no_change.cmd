diff old.pol old.pol --facts facts.json --fail-on-change
