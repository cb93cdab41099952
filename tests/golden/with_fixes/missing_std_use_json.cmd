check missing_std_use.pol --format json
