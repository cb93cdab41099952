run conflicts.pol --facts deliveries.json ConflictYear=conflicts.csv --format csv --include recipient,year
