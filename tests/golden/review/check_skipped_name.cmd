check weird
$ mkdir -p "weird/$(printf 'skip\033[2J')" && cp unformatted.pol weird/ok.pol && touch "weird/$(printf 'skip\033[2J')/.polskip"
