run policy.pol --facts register.csv --mapping unknown_field.polmap
