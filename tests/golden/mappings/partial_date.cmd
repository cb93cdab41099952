run policy.pol --facts register.csv --mapping partial_date.polmap
