run csv_policy.pol --facts Country=countries.csv Item=items.csv Transfer=transfers.csv
