run policy.pol --facts register.csv --mapping date_mismatch.polmap
