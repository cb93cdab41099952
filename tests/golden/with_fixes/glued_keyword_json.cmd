check glued_keyword.pol --format json
