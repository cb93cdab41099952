diff old.pol new.pol --facts facts.json --fail-on-change
