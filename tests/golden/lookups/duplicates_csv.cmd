run facts_errors.pol --facts facts_errors_deliveries.json ConflictYear=duplicates.csv
