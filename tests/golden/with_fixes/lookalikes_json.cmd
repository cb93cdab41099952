check lookalikes.pol --format json
