//! Nested records end to end: the same facts written in JSON, JSON Lines, YAML and CSV give the
//! same decisions through the `pol` binary, and the fast path decides them as the full evaluator does.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::fmt::Write as _;
use std::path::Path;

use pol::engine::{Engine, NoFiles};
use pol::eval::{Evaluator, Options, Scratch};
use pol::report;

mod support;
use support::cli::{pol, scratch_dir};
use support::engine::json_facts;

const POLICY: &str = r#"policy "Nested approvals"

record Approval {
  nsc: Bool
  cabinet: Bool?
  signatory: Signatory?
}

record Signatory {
  name: Text
  office: Country?
}

record Country key code {
  code: Text
  in_combat: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  government_approval: Approval
  review: Approval?
}

decide t: Transfer
default deny because "no rule permits this transfer"

fn signed_in_combat(a: Approval) -> Bool =
  a.signatory is some and a.signatory.office is some and a.signatory.office.in_combat

rule approved: permit {
  when t.government_approval.nsc
  when t.government_approval.cabinet is some and t.government_approval.cabinet == true
  because "the NSC and the Cabinet approved"
}

rule refused_on_review: deny {
  when t.review is some and not t.review.nsc
  because "a review refused the transfer"
}

rule signed_abroad: deny {
  when signed_in_combat(t.government_approval)
  because "the approval was signed in a country in combat"
}

rule named_signatory: permit {
  when t.government_approval.signatory is some
  when t.government_approval.signatory.name == "A. Minister"
  unless t.destination.in_combat
  because "the minister signed"
}
"#;

const COUNTRIES_JSON: &str = r#"{"Country": [{"code": "US", "in_combat": false}, {"code": "UA", "in_combat": "?"}, {"code": "IL", "in_combat": true}]}"#;

const COUNTRIES_CSV: &str = "code,in_combat\nUS,false\nUA,?\nIL,true\n";

/// A scalar as written in facts: left out, null, unknown (`"?"`), or a value (JSON text).
#[derive(Clone, Debug)]
enum Cell {
    Missing,
    Null,
    Unknown,
    Value(&'static str),
}

/// A nested object: left out, null, unknown, or written with its fields.
#[derive(Clone, Debug)]
enum Object {
    Missing,
    Null,
    Unknown,
    Present(Vec<(&'static str, Field)>),
}

#[derive(Clone, Debug)]
enum Field {
    Cell(Cell),
    Object(Object),
}

struct Transfer {
    id: String,
    destination: &'static str,
    approval: Object,
    review: Object,
}

/// A small deterministic generator, so that failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn pick(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn cell(&mut self, values: &[&'static str]) -> Cell {
        match self.pick(values.len() + 3) {
            0 => Cell::Missing,
            1 => Cell::Null,
            2 => Cell::Unknown,
            n => Cell::Value(values[n - 3]),
        }
    }

    /// An object; `whole_unknown` allows the object itself to be `"?"`.
    fn object(
        &mut self,
        fields: &mut dyn FnMut(&mut Lcg) -> Vec<(&'static str, Field)>,
        whole_unknown: bool,
    ) -> Object {
        match self.pick(if whole_unknown { 6 } else { 5 }) {
            0 => Object::Missing,
            1 => Object::Null,
            5 => Object::Unknown,
            _ => {
                let mut written = fields(self);
                // CSV reads an object whose cells are all empty as absent; keep one cell written.
                if !written.iter().any(|(_, field)| is_written(field)) {
                    written[0].1 = Field::Cell(Cell::Unknown);
                }
                Object::Present(written)
            }
        }
    }

    fn approval(&mut self, whole_unknown: bool) -> Object {
        self.object(
            &mut |lcg: &mut Lcg| {
                vec![
                    ("nsc", Field::Cell(lcg.cell(&["true", "false"]))),
                    ("cabinet", Field::Cell(lcg.cell(&["true", "false"]))),
                    (
                        "signatory",
                        Field::Object(lcg.object(
                            &mut |lcg: &mut Lcg| {
                                vec![
                                    (
                                        "name",
                                        Field::Cell(lcg.cell(&["\"A. Minister\"", "\"B. Official\""])),
                                    ),
                                    ("office", Field::Cell(lcg.cell(&["\"US\"", "\"UA\"", "\"IL\""]))),
                                ]
                            },
                            whole_unknown,
                        )),
                    ),
                ]
            },
            whole_unknown,
        )
    }
}

/// Whether CSV would see a non-empty cell in this field.
fn is_written(field: &Field) -> bool {
    match field {
        Field::Cell(Cell::Value(_) | Cell::Unknown) => true,
        Field::Cell(_) => false,
        Field::Object(Object::Present(fields)) => fields.iter().any(|(_, field)| is_written(field)),
        Field::Object(_) => false,
    }
}

fn transfers(n: usize, seed: u64, whole_unknown: bool) -> Vec<Transfer> {
    let mut lcg = Lcg(seed);
    (0..n)
        .map(|idx| Transfer {
            id: format!("t{idx}"),
            destination: ["US", "UA", "IL"][lcg.pick(3)],
            approval: lcg.approval(whole_unknown),
            review: lcg.approval(whole_unknown),
        })
        .collect()
}

fn json_cell(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Missing => None,
        Cell::Null => Some("null".into()),
        Cell::Unknown => Some("\"?\"".into()),
        Cell::Value(text) => Some((*text).into()),
    }
}

fn json_object(object: &Object) -> Option<String> {
    match object {
        Object::Missing => None,
        Object::Null => Some("null".into()),
        Object::Unknown => Some("\"?\"".into()),
        Object::Present(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .filter_map(|(name, field)| {
                    let value = match field {
                        Field::Cell(cell) => json_cell(cell),
                        Field::Object(object) => json_object(object),
                    };
                    value.map(|value| format!("\"{name}\": {value}"))
                })
                .collect();
            Some(format!("{{{}}}", parts.join(", ")))
        }
    }
}

fn json_transfer(transfer: &Transfer) -> String {
    let mut text = format!(
        "{{\"id\": \"{}\", \"destination\": \"{}\"",
        transfer.id, transfer.destination
    );
    for (name, object) in [
        ("government_approval", &transfer.approval),
        ("review", &transfer.review),
    ] {
        if let Some(value) = json_object(object) {
            write!(text, ", \"{name}\": {value}").unwrap();
        }
    }
    text.push('}');
    text
}

fn json(transfers: &[Transfer]) -> String {
    let rows: Vec<String> = transfers.iter().map(json_transfer).collect();
    format!("{{\"Transfer\": [\n{}\n]}}\n", rows.join(",\n"))
}

fn json_lines(transfers: &[Transfer]) -> String {
    transfers
        .iter()
        .map(|transfer| json_transfer(transfer) + "\n")
        .collect()
}

/// YAML in block style, so that nesting is written by indentation.
fn yaml(transfers: &[Transfer]) -> String {
    fn scalar(cell: &Cell) -> Option<String> {
        match cell {
            Cell::Missing => None,
            Cell::Null => Some("~".into()),
            Cell::Unknown => Some("\"?\"".into()),
            Cell::Value(text) => Some(text.trim_matches('"').into()),
        }
    }
    fn object(out: &mut String, name: &str, value: &Object, indent: usize) {
        let pad = " ".repeat(indent);
        match value {
            Object::Missing => {}
            Object::Null => writeln!(out, "{pad}{name}: null").unwrap(),
            Object::Unknown => writeln!(out, "{pad}{name}: \"?\"").unwrap(),
            Object::Present(fields) => {
                writeln!(out, "{pad}{name}:").unwrap();
                let mut any = false;
                for (field_name, field) in fields {
                    match field {
                        Field::Cell(cell) => {
                            if let Some(value) = scalar(cell) {
                                writeln!(out, "{pad}  {field_name}: {value}").unwrap();
                                any = true;
                            }
                        }
                        Field::Object(inner) => {
                            if !matches!(inner, Object::Missing) {
                                any = true;
                            }
                            object(out, field_name, inner, indent + 2);
                        }
                    }
                }
                if !any {
                    // A mapping with no entries is written in flow style.
                    out.truncate(out.len() - 1);
                    out.push_str(" {}\n");
                }
            }
        }
    }
    let mut out = String::from("Transfer:\n");
    for transfer in transfers {
        writeln!(out, "  - id: {}", transfer.id).unwrap();
        writeln!(out, "    destination: {}", transfer.destination).unwrap();
        object(&mut out, "government_approval", &transfer.approval, 4);
        object(&mut out, "review", &transfer.review, 4);
    }
    out
}

/// CSV with dotted columns and, for each nested record, a column of its own that holds `?` when
/// the whole record is unknown; an absent or null object is a row of empty cells.
fn csv(transfers: &[Transfer]) -> String {
    fn cells(out: &mut Vec<String>, object: &Object, n_cells: usize) {
        let Object::Present(fields) = object else {
            out.push(if matches!(object, Object::Unknown) {
                "?".into()
            } else {
                String::new()
            });
            out.extend(std::iter::repeat_n(String::new(), n_cells));
            return;
        };
        out.push(String::new());
        for (_, field) in fields {
            match field {
                Field::Cell(cell) => out.push(match cell {
                    Cell::Missing | Cell::Null => String::new(),
                    Cell::Unknown => "?".into(),
                    Cell::Value(text) => text.trim_matches('"').into(),
                }),
                Field::Object(inner) => cells(out, inner, 2),
            }
        }
    }
    let mut out = String::from("id,destination");
    for holder in ["government_approval", "review"] {
        write!(out, ",{holder}").unwrap();
        for field in [
            "nsc",
            "cabinet",
            "signatory",
            "signatory.name",
            "signatory.office",
        ] {
            write!(out, ",{holder}.{field}").unwrap();
        }
    }
    out.push('\n');
    for transfer in transfers {
        let mut row = vec![transfer.id.clone(), transfer.destination.to_string()];
        cells(&mut row, &transfer.approval, 5);
        cells(&mut row, &transfer.review, 5);
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn decisions(dir: &Path, args: &[&str]) -> String {
    let output = pol(dir, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "pol {args:?} failed:\n{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn nested_facts_in_json_json_lines_yaml_and_csv_give_the_same_decisions() {
    let dir = scratch_dir("nested-formats");
    let transfers = transfers(400, 7, true);
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    std::fs::write(dir.join("countries.json"), COUNTRIES_JSON).unwrap();
    std::fs::write(dir.join("countries.csv"), COUNTRIES_CSV).unwrap();
    std::fs::write(dir.join("transfers.json"), json(&transfers)).unwrap();
    std::fs::write(dir.join("transfers.jsonl"), json_lines(&transfers)).unwrap();
    std::fs::write(dir.join("transfers.yaml"), yaml(&transfers)).unwrap();
    std::fs::write(dir.join("transfers.csv"), csv(&transfers)).unwrap();

    let from_json = decisions(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "transfers.json",
        ],
    );
    let from_lines = decisions(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "Transfer=transfers.jsonl",
        ],
    );
    let from_yaml = decisions(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "transfers.yaml",
        ],
    );
    let from_csv = decisions(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "Country=countries.csv",
            "--facts",
            "Transfer=transfers.csv",
        ],
    );
    assert_eq!(
        from_json
            .lines()
            .filter(|line| line.starts_with("Transfer "))
            .count(),
        400
    );
    assert_eq!(from_json, from_lines, "JSON Lines differs from JSON");
    assert_eq!(from_json, from_yaml, "YAML differs from JSON");
    assert_eq!(from_json, from_csv, "CSV differs from JSON");
    // The generated facts reach every kind of outcome, and missing facts inside nested
    // objects are named through the fields that hold them.
    for wanted in [
        "PERMIT",
        "DENY by default",
        "UNDECIDED",
        "by refused_on_review",
        "by signed_abroad",
        "].government_approval.cabinet",
        "].government_approval.signatory.office",
        "].review.nsc",
        "Country[\"UA\"].in_combat",
    ] {
        assert!(
            from_json.contains(wanted),
            "no decision shows `{wanted}`:\n{from_json}"
        );
    }
    // A whole nested record written as unknown is missing as the field that holds it.
    let whole_missing = from_json
        .lines()
        .filter_map(|line| line.trim().strip_prefix("missing: "))
        .flat_map(|missing| missing.split(", "))
        .any(|fact| fact.ends_with("].review"));
    assert!(whole_missing, "no decision misses a whole review:\n{from_json}");
}

#[test]
fn fast_path_decides_nested_facts_as_the_full_evaluator_does() {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let loaded = engine.load_policy_text("policy.pol", POLICY, None).unwrap();
    let program = &loaded.checked.program;
    let transfers = transfers(1000, 11, true);
    let facts = engine
        .load_facts(
            program,
            vec![
                json_facts("countries.json", COUNTRIES_JSON),
                json_facts("transfers.json", &json(&transfers)),
            ],
        )
        .unwrap();
    for explain in [false, true] {
        let decide = |full_only: bool| {
            let options = Options {
                explain,
                full_only,
                ..Options::default()
            };
            let evaluator = Evaluator::new(program, &facts, options).unwrap();
            let subjects: Vec<u32> = evaluator.subjects().collect();
            let mut scratch = Scratch::new();
            let mut texts = Vec::new();
            evaluator.decide_each(&mut scratch, &subjects, |_, decision| {
                texts.push(report::decision_text(
                    program,
                    &facts,
                    &engine.sources,
                    decision.unwrap(),
                    0,
                ));
            });
            texts
        };
        let (fast, full) = (decide(false), decide(true));
        assert_eq!(fast.len(), 1000);
        for (fast, full) in fast.iter().zip(&full) {
            assert_eq!(
                fast, full,
                "the fast path and the full evaluator differ (explain: {explain})"
            );
        }
        assert!(
            full.iter()
                .any(|text| text.contains("missing: Transfer[\"t") && text.contains("].government_approval")),
            "no decision misses a nested fact"
        );
    }
}
