diff old.pol new.pol --facts facts.json --summary
