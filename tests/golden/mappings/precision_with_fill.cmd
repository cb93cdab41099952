run policy.pol --facts register.csv --mapping precision_with_fill.polmap
