run ivory_coast.pol --facts ivory_coast.json --deny-unknown-keys
