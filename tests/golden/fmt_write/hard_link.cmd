fmt --write protected.pol
$ ln protected.pol second_name.pol
