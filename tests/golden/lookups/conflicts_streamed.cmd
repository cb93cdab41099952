run conflicts.pol --facts Delivery=deliveries.csv ConflictYear=conflicts.csv --format csv --include recipient,year
