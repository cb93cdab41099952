diff old.pol shipments.pol --facts facts.json
