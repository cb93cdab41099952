fmt --write protected.pol
$ chmod 444 protected.pol
