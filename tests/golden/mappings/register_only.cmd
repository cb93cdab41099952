run policy.pol --facts register.csv --mapping register.polmap --format json --only deny,undecided --include recipient
