[
  (rule_declaration)
  (record_declaration)
  (enum_declaration)
  (test_declaration)
  (data_declaration)
] @fold
