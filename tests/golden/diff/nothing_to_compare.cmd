diff old.pol --as-of 2024-01-01
