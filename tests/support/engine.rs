//! Driving the library's `Engine` from the integration tests: facts given as JSON text, and
//! inputs read from the repository.

use std::path::Path;

use pol::engine::FactsInput;
use pol::facts::Format;

/// The JSON document `text` as a facts input named `name`, whose records say their own types.
pub fn json_facts(name: &str, text: &str) -> FactsInput {
    FactsInput {
        name: name.to_string(),
        bytes: text.as_bytes().to_vec(),
        format: Format::Json,
        record: None,
        mapping: None,
    }
}

/// The text of the file at `path` (relative to the root of the repository); a test fails naming
/// the file when it cannot be read.
pub fn repo_text(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Golden policies whose JSON decisions cover every field a decision and its derivation can
/// have (pending rules, called functions, escaped keys, a default's citation), each with its
/// facts: the cases the writers of JSON output are checked on.
pub const GOLDEN_JSON_CASES: &[(&str, &str)] = &[
    (
        "tests/golden/eval/json_output.pol",
        "tests/golden/eval/decisions.json",
    ),
    (
        "tests/golden/explain_status/pending_json.pol",
        "tests/golden/explain_status/cases.json",
    ),
    (
        "tests/golden/explain_calls/purpose_json.pol",
        "tests/golden/explain_calls/cases.json",
    ),
    (
        "tests/golden/decisions/escaped_keys_json.pol",
        "tests/golden/decisions/escaped_keys.json",
    ),
    (
        "tests/golden/decisions/pending_json.pol",
        "tests/golden/decisions/cases.json",
    ),
    (
        "tests/golden/decisions/default_citation.pol",
        "tests/golden/decisions/cases.json",
    ),
];
