fmt --check weird
$ mkdir weird && cp unformatted.pol "weird/$(printf 'a\033[31mred\342\200\256.pol')"
