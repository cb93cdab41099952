diff old.pol new.pol --facts Country=countries.csv Item=items.csv transfers.jsonl
