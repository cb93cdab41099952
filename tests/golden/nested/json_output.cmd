run decisions.pol --facts transfers.json --format json
