run ivory_coast.pol --facts ivory_coast.json --diagnostics json --format json
