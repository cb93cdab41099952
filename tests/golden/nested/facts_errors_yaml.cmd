run facts_errors.pol --facts facts_errors.yaml
