run ../../../bench/reference.pol --facts Country=../../../bench/data/countries.json Item=../../../bench/data/items.json Transfer=../../../bench/data/transfers-10000.json --summary
