run policy.pol --facts register.csv --mapping missing_column.polmap
