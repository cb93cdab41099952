test ../../../examples/japan
