diff old.pol new.pol --facts facts.json --format json
