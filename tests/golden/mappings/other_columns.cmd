run policy.pol --facts register.csv --mapping other_columns.polmap
