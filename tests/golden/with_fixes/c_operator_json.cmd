check c_operator.pol --format json
