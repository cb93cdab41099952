diff old.pol new.pol
