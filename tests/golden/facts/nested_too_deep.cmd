run csv_policy.pol --facts nested_too_deep.json --max-facts-nesting 4
