run csv_policy.pol --facts no_such_file.json
