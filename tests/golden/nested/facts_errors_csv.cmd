run facts_errors.pol --facts Country=countries.csv --facts Transfer=facts_errors.csv
