run ivory_coast.pol --facts countries.json --facts transfers.jsonl --deny-unknown-keys
