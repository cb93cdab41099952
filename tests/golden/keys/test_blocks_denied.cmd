test test_blocks.pol --deny-unknown-keys
