run policy.pol --facts register.csv --mapping header_not_found.polmap
