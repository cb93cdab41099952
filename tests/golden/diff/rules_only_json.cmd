diff old.pol new.pol --format json
