//! Facts: input records (JSON, JSON Lines, YAML, CSV, or a test's facts) validated against a
//! program's schema and stored as typed tables the evaluator reads without copying.
