run decisions.pol --facts Country=countries.csv --facts Transfer=transfers.csv
