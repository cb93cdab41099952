run policy.pol --facts register.csv --mapping register.polmap --format csv --include note
