test ../../../examples/eu-dual-use
