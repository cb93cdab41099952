//! The JSON output of `pol run` against its documented schema (`docs/decisions.schema.json`):
//! real output of the built binary (decisions, undecided ones with pending rules, `--explain`,
//! `--summary`, failed decisions) must validate, with typed values in explanations.
//! The validator (`support::schema`) knows the subset of JSON Schema the schemas use; a keyword
//! it does not know fails the test, so a schema cannot silently stop being checked.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use serde_json::{Value as Json, json};

mod support;
use support::cli::{pol, scratch_dir, stdout};
use support::schema::violation;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Json {
    let text = std::fs::read_to_string(root().join("docs/decisions.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validate(line: &str) -> Result<Json, String> {
    let schema = schema();
    let value: Json = serde_json::from_str(line).map_err(|error| format!("not JSON: {error}: {line}"))?;
    match violation(&schema, &schema, &value, "$") {
        Some(problem) => Err(problem),
        None => Ok(value),
    }
}

/// The lines `pol run` prints with `args`, each validated against the schema.
fn run_lines(dir: &Path, args: &[&str], expected_status: i32) -> Vec<Json> {
    let output = pol(dir, &[&["run"], args, &["--format", "json"]].concat());
    let stdout = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(expected_status),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.is_empty());
    stdout
        .lines()
        .map(|line| validate(line).unwrap_or_else(|problem| panic!("{problem}\nin {line}")))
        .collect()
}

/// A policy whose explanations show every kind of value.
const TYPED: &str = r#"policy "Typed values"

enum Category { rescue, transport }

record Country key code {
  code: Text
  in_combat: Bool
  since: Date
}

record Transfer key id {
  id: Text
  count: Int
  category: Category
  destination: Country
  partners: Set<Country>
  route: List<Text>
  part: Country?
  licensor: Country?
  day: Date
}

decide t: Transfer
default deny because "no rule permits this" cite "Art. 2"

rule many: deny {
  when t.count > 1000
  cite "Art. 3"
}

rule partner: permit {
  when t.destination in t.partners
  when t.category == rescue
  when t.day >= t.destination.since
  when t.destination.code in {"US", "GB", "XC"}
  when t.route == t.route
  when t.part == none
  when t.licensor == t.destination
  unless t.destination.in_combat
  because "to a partner"
}
"#;

const TYPED_FACTS: &str = r#"{"Country": [
   {"code": "US", "in_combat": false, "since": "2001-01-01"},
   {"code": "XC", "since": "2001-01-01"}],
 "Transfer": [
   {"id": "known", "count": 7, "category": "rescue", "destination": "US", "partners": ["US"], "route": ["JP", "US"], "part": null, "licensor": "US", "day": "2024-01-02"},
   {"id": "unknown", "count": 7, "category": "rescue", "destination": "XC", "partners": ["XC", "US"], "route": ["JP"], "part": null, "licensor": "XC", "day": "2024-01-02"},
   {"id": "big", "count": 2000, "category": "transport", "destination": "US", "partners": [], "route": [], "part": null, "licensor": null, "day": "2024-01-02"}]}
"#;

#[test]
fn decisions_with_explanations_validate_and_carry_typed_values() {
    let dir = scratch_dir("schema");
    std::fs::write(dir.join("policy.pol"), TYPED).unwrap();
    std::fs::write(dir.join("facts.json"), TYPED_FACTS).unwrap();
    let lines = run_lines(&dir, &["policy.pol", "--facts", "facts.json", "--explain"], 0);
    assert_eq!(lines.len(), 3);
    let parts = |line: &Json, rule: &str| -> Vec<Json> {
        let explanation = line["explanation"].as_array().unwrap();
        let rule = explanation.iter().find(|entry| entry["rule"] == rule).unwrap();
        rule["parts"].as_array().unwrap().clone()
    };
    let known = parts(&lines[0], "partner");
    assert_eq!(known[0]["holds"], json!(true));
    assert_eq!(
        known[0]["operands"],
        json!([{"record": "Country", "key": "US"}, [{"record": "Country", "key": "US"}]])
    );
    assert_eq!(known[1]["operands"], json!(["rescue", "rescue"]));
    assert_eq!(known[2]["operands"], json!(["2024-01-02", "2001-01-01"]));
    assert_eq!(known[3]["operands"], json!(["US", ["GB", "US", "XC"]]));
    assert_eq!(
        known[6]["operands"],
        json!([{"record": "Country", "key": "US"}, {"record": "Country", "key": "US"}])
    );
    assert_eq!(known[4]["operands"], json!([["JP", "US"], ["JP", "US"]]));
    assert_eq!(known[5]["operands"], json!([null, null]));
    // `unless` parts: the expression is false, so the part holds.
    assert_eq!(known[7]["value"], json!(false));
    assert_eq!(known[7]["holds"], json!(true));
    let many = parts(&lines[0], "many");
    assert_eq!(many[0]["operands"], json!([7, 1000]));
    assert_eq!(many[0]["value"], json!(false));

    let unknown = parts(&lines[1], "partner");
    let missing = json!(["Country[\"XC\"].in_combat"]);
    assert_eq!(unknown[7]["holds"], json!({"unknown": true, "missing": missing}));
    assert_eq!(lines[1]["decision"], "undecided");
    assert_eq!(lines[1]["pending"][0]["name"], "partner");
    assert_eq!(lines[1]["pending"][0]["missing"], missing);
    assert_eq!(
        lines[1]["pending"][0]["active"],
        json!({"unknown": true, "missing": missing})
    );

    assert_eq!(lines[2]["decision"], "deny");
    assert_eq!(lines[2]["rules"][0]["citation"], "Art. 3");
}

#[test]
fn decisions_of_the_example_and_the_golden_corpus_validate() {
    let japan = root().join("examples/japan");
    let lines = run_lines(&japan, &["three_principles.pol", "--facts", "cases.json"], 0);
    let by_default = lines
        .iter()
        .find(|line| line["by_default"] == json!(true))
        .unwrap();
    assert!(by_default["citation"].as_str().unwrap().contains("Principle 2"));
    let undecided = lines.iter().find(|line| line["decision"] == "undecided").unwrap();
    let pending: Vec<&str> = undecided["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["name"].as_str().unwrap())
        .collect();
    assert_eq!(pending, ["gcap_third_country", "gcap_to_combat"]);
    assert_eq!(undecided["pending"][0]["active"], json!(true));
    assert_eq!(
        undecided["pending"][0]["missing"],
        json!(["Situation[\"XC\"].in_combat"])
    );
    run_lines(
        &japan,
        &["three_principles.pol", "--facts", "cases.json", "--explain"],
        0,
    );
    let pending_dir = root().join("tests/golden/decisions");
    let lines = run_lines(
        &pending_dir,
        &["pending.pol", "--facts", "cases.json", "--explain"],
        0,
    );
    assert!(
        lines
            .iter()
            .any(|line| line["pending"].as_array().unwrap().len() == 2)
    );
}

#[test]
fn the_summary_validates() {
    let japan = root().join("examples/japan");
    let lines = run_lines(
        &japan,
        &["three_principles.pol", "--facts", "cases.json", "--summary"],
        0,
    );
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["total"], 27);
}

#[test]
fn a_failed_decision_validates() {
    let dir = scratch_dir("schema");
    std::fs::write(
        dir.join("policy.pol"),
        TYPED.replace("t.count > 1000", "t.count * 2 > 1000"),
    )
    .unwrap();
    std::fs::write(
        dir.join("facts.json"),
        TYPED_FACTS.replace("\"count\": 2000", "\"count\": 9223372036854775807"),
    )
    .unwrap();
    let lines = run_lines(&dir, &["policy.pol", "--facts", "facts.json"], 1);
    let failed = lines.iter().find(|line| line["decision"] == "error").unwrap();
    assert_eq!(failed["error"]["code"], "E0302");
}

#[test]
fn an_undocumented_field_or_a_changed_type_fails_validation() {
    let decision = json!({
        "version": 1, "record": "Transfer", "key": "t1", "position": 1, "decision": "permit",
        "by_default": false, "law_date": "2024-01-02", "rules": [], "obligations": [],
        "missing": [], "pending": [],
    });
    assert!(validate(&decision.to_string()).is_ok());
    let mut extra = decision.clone();
    extra["score"] = json!(1);
    assert!(
        validate(&extra.to_string())
            .unwrap_err()
            .contains("`score` is not documented")
    );
    let mut retyped = decision.clone();
    retyped["position"] = json!("1");
    assert!(validate(&retyped.to_string()).is_err());
    let mut bad_date = decision.clone();
    bad_date["law_date"] = json!("2 January 2024");
    assert!(validate(&bad_date.to_string()).is_err());
    let mut untyped = decision;
    untyped["explanation"] = json!([{"rule": "r", "effect": "permit", "status": "decided", "parts": [
        {"clause": "when", "text": "t.ok", "value": "true", "holds": "true", "operands": null, "missing": []}
    ]}]);
    assert!(validate(&untyped.to_string()).unwrap_err().contains("\"true\""));
}

#[test]
fn nested_records_calls_and_fixed_dates_validate() {
    let nested = root().join("tests/golden/nested");
    for extra in [
        &[][..],
        &["--as-of", "2024-01-10"][..],
        &["--as-of", "2000-01-01"][..],
    ] {
        let mut args = vec!["decisions.pol", "--facts", "transfers.json", "--explain"];
        args.extend_from_slice(extra);
        let lines = run_lines(&nested, &args, 0);
        assert!(lines.iter().any(|line| {
            line["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|fact| fact.as_str().unwrap().contains("].government_approval."))
        }));
    }
    let csv = run_lines(
        &nested,
        &[
            "decisions.pol",
            "--facts",
            "Country=countries.csv",
            "--facts",
            "Transfer=transfers.csv",
            "--explain",
        ],
        0,
    );
    assert!(!csv.is_empty());
    let calls = root().join("tests/golden/explain_calls");
    let lines = run_lines(&calls, &["purpose.pol", "--facts", "cases.json", "--explain"], 0);
    assert!(lines.iter().any(|line| {
        line["explanation"].as_array().unwrap().iter().any(|rule| {
            rule["parts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|part| part.get("operands_in").is_some())
        })
    }));
    let review = root().join("tests/golden/review");
    let lines = run_lines(
        &review,
        &[
            "law_date_unknown.pol",
            "--facts",
            "law_date_unknown.json",
            "--explain",
        ],
        0,
    );
    assert_eq!(lines[0]["law_date"], Json::Null);
    assert_eq!(lines[0]["explanation"], json!([]));
}

/// The subjects of [`TYPED_FACTS`] as JSON Lines, one bad line among them when `overflow`.
fn typed_stream(dir: &Path, overflow: bool) {
    let facts: Json = serde_json::from_str(TYPED_FACTS).unwrap();
    std::fs::write(
        dir.join("countries.json"),
        json!({"Country": facts["Country"]}).to_string(),
    )
    .unwrap();
    let mut stream = String::new();
    for transfer in facts["Transfer"].as_array().unwrap() {
        let mut transfer = transfer.clone();
        if overflow && transfer["id"] == "big" {
            transfer["count"] = json!(i64::MAX);
        }
        stream.push_str(&transfer.to_string());
        stream.push('\n');
    }
    std::fs::write(dir.join("transfers.jsonl"), stream).unwrap();
}

#[test]
fn streamed_json_lines_and_summaries_with_every_outcome_validate() {
    let dir = scratch_dir("schema");
    std::fs::write(
        dir.join("policy.pol"),
        TYPED.replace("t.count > 1000", "t.count * 2 > 1000"),
    )
    .unwrap();
    typed_stream(&dir, false);
    let streamed = [
        "policy.pol",
        "--facts",
        "countries.json",
        "--facts",
        "transfers.jsonl",
    ];
    let lines = run_lines(&dir, &streamed, 0);
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|line| line["decision"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["permit", "undecided", "deny"]);
    assert_eq!(lines[2]["position"], 3);
    let mut explained = streamed.to_vec();
    explained.push("--explain");
    run_lines(&dir, &explained, 0);
    let mut as_of = streamed.to_vec();
    as_of.extend(["--as-of", "2024-01-02"]);
    let lines = run_lines(&dir, &as_of, 0);
    // The policy has no dated rules: `law_date` is the date asked for, and null without it.
    assert_eq!(lines[0]["law_date"], json!("2024-01-02"));
    assert_eq!(run_lines(&dir, &streamed, 0)[0]["law_date"], Json::Null);

    typed_stream(&dir, true);
    let lines = run_lines(&dir, &streamed, 1);
    assert_eq!(lines[2]["decision"], "error");
    assert_eq!(lines[2]["position"], 3);
    let mut summary = streamed.to_vec();
    summary.push("--summary");
    let lines = run_lines(&dir, &summary, 1);
    assert_eq!(
        lines[0]["decisions"],
        json!({"permit": 1, "undecided": 1, "error": 1})
    );
}

#[test]
fn decisions_on_a_record_type_without_a_key_validate() {
    let dir = scratch_dir("schema");
    std::fs::write(
        dir.join("policy.pol"),
        r#"policy "Keyless"

record Shipment {
  weight: Int
  partners: List<Text>
}

decide s: Shipment
default permit because "small shipments go"

rule heavy: deny {
  when s.weight > 1000
  because "heavy"
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("facts.json"),
        r#"{"Shipment": [{"weight": 5, "partners": []}, {"weight": "?", "partners": ["a"]}, {"weight": 2000, "partners": []}]}"#,
    )
    .unwrap();
    let lines = run_lines(&dir, &["policy.pol", "--facts", "facts.json", "--explain"], 0);
    assert_eq!(lines[1]["key"], Json::Null);
    assert_eq!(lines[1]["missing"], json!(["Shipment[#2].weight"]));
}

#[test]
fn decisions_carrying_input_fields_validate() {
    let dir = root().join("tests/golden/mappings");
    let lines = run_lines(
        &dir,
        &[
            "policy.pol",
            "--facts",
            "register.csv",
            "--mapping",
            "register.polmap",
            "--include",
            "delivered,second_hand,note",
        ],
        0,
    );
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["input"]["delivered"], json!("2011-01-01"));
    assert_eq!(lines[1]["input"]["note"], Json::Null);
    assert_eq!(lines[2]["input"]["second_hand"], json!({"unknown": true}));
}
