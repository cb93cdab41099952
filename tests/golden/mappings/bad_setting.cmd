run policy.pol --facts register.csv --mapping bad_setting.polmap
