fmt --write --force protected.pol
$ ln protected.pol second_name.pol
