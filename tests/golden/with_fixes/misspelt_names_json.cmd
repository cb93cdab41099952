check misspelt_names.pol --format json
