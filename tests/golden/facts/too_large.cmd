run csv_policy.pol --facts countries.csv --max-facts-bytes 10
