test nothing
$ mkdir -p nothing/skipped && touch nothing/skipped/.polskip && printf 'policy "skipped"\n' > nothing/skipped/a.pol
