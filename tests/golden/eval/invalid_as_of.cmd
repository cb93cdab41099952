run decisions.pol --facts decisions.json --as-of 2023-02-30
