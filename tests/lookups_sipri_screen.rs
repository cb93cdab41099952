//! `examples/sipri/screen.pol` on the SIPRI trade register and the UCDP/PRIO conflict data, read
//! untouched through the mappings: the extracts in the repository always, the full files of the
//! shared data folder when they are there (and under `CI=true` they must be), with the summary
//! its README shows.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::cli::{pol, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The arguments that screen a register against a conflict file, then `more`.
fn screen_args(register: &Path, conflicts: &Path, more: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "examples/sipri/screen.pol",
        "--facts",
        &format!("Delivery={}", register.display()),
        &format!("ConflictYear={}", conflicts.display()),
        "--mapping",
        "examples/sipri/delivery.polmap",
        "examples/sipri/conflict_year.polmap",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    args.extend(more.iter().map(|arg| (*arg).to_owned()));
    args
}

/// One decision as JSON, with the supplier, recipient and year carried through from its row.
struct Screened {
    position: u64,
    supplier: String,
    recipient: String,
    delivered: String,
    decision: String,
    rules: Vec<String>,
    missing: Vec<String>,
    citations: Vec<String>,
}

/// Screens a register against a conflict file; the decisions, and what was printed on standard error.
fn screen(register: &Path, conflicts: &Path) -> (Vec<Screened>, String) {
    let args = screen_args(
        register,
        conflicts,
        &["--format", "json", "--include", "supplier,recipient,delivered"],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = pol(root(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let decisions = stdout(&output)
        .lines()
        .map(|line| {
            let json: Value = serde_json::from_str(line).unwrap();
            let texts = |value: &Value| -> Vec<String> {
                value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| item.as_str().unwrap().to_owned())
                    .collect()
            };
            let rules = json["rules"].as_array().unwrap();
            Screened {
                position: json["position"].as_u64().unwrap(),
                supplier: json["input"]["supplier"].as_str().unwrap().to_owned(),
                recipient: json["input"]["recipient"].as_str().unwrap().to_owned(),
                delivered: json["input"]["delivered"].as_str().unwrap().to_owned(),
                decision: json["decision"].as_str().unwrap().to_owned(),
                rules: rules
                    .iter()
                    .map(|rule| rule["name"].as_str().unwrap().to_owned())
                    .collect(),
                citations: rules
                    .iter()
                    .filter_map(|rule| rule["citation"].as_str().map(str::to_owned))
                    .collect(),
                missing: texts(&json["missing"]),
            }
        })
        .collect();
    (decisions, stderr(&output))
}

/// The rows of a register after its 11 lines of notes and its header, cut into cells (SIPRI
/// quotes no cell of the columns read here).
fn register_rows(register: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(register).unwrap();
    text.lines()
        .skip(12)
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect()
}

/// The first decision for a delivery from `supplier` to `recipient` in `year`.
fn find<'d>(decisions: &'d [Screened], supplier: &str, recipient: &str, year: &str) -> &'d Screened {
    decisions
        .iter()
        .find(|decision| {
            decision.supplier == supplier
                && decision.recipient == recipient
                && decision.delivered.starts_with(year)
        })
        .unwrap_or_else(|| panic!("no delivery from {supplier} to {recipient} in {year}"))
}

/// Checks that every row got one decision, numbered as its row, carrying its own supplier,
/// recipient and year, so that the output joins back to the input.
fn check_joinable(register: &Path, decisions: &[Screened]) {
    let rows = register_rows(register);
    assert_eq!(decisions.len(), rows.len());
    for (idx, (row, decision)) in rows.iter().zip(decisions).enumerate() {
        assert_eq!(decision.position, idx as u64 + 1);
        let supplier = if row[1] == "Turkiye" {
            "Turkey"
        } else {
            row[1].as_str()
        };
        assert_eq!(decision.supplier, supplier);
        assert_eq!(decision.delivered, row[10]);
        assert!(
            ["permit", "deny", "undecided"].contains(&decision.decision.as_str()),
            "{}",
            decision.decision
        );
    }
}

#[test]
fn the_extracts_are_screened_and_every_delivery_joins_back_to_its_row() {
    let data = root().join("examples/sipri/data");
    let register = data.join("trade_register.csv");
    let (decisions, warnings) = screen(&register, &data.join("UcdpPrioConflict_v25_1.csv"));
    check_joinable(&register, &decisions);
    // A UN arms embargo in force in the delivery year is cited with its resolution and dates.
    let sudan = find(&decisions, "Belarus", "Sudan", "2009");
    assert_eq!(sudan.decision, "deny");
    assert_eq!(sudan.rules, ["un_embargo_SD_1556"]);
    assert_eq!(
        sudan.citations,
        ["UN Security Council resolution 1556; in force from 30 July 2004 (std.regimes)"]
    );
    // A recipient that is no state ISO 3166 lists is undecided, missing its own name; in 2016,
    // the year the embargo on Côte d'Ivoire (CI/1572) ended, the year-only date of delivery is
    // missing too.
    let nato = find(&decisions, "Czechia", "NATO**", "2016");
    assert_eq!(nato.decision, "undecided");
    assert_eq!(nato.missing[0], r#"Country["NATO**"]"#);
    assert!(warnings.contains("warning[W0003]"), "{warnings}");
    assert!(warnings.contains(r#"Country["NATO**"]"#), "{warnings}");
    // The extract of the conflict data holds its first 300 rows only: a year none of them lists
    // is not screened for conflicts, and says so.
    let uncovered = decisions
        .iter()
        .filter(|decision| decision.rules.contains(&"beyond_the_conflict_data".to_owned()))
        .count();
    assert!(uncovered > 0);
}

/// The shared data folder beside the repository (`../shared/data`, where CI keeps the full
/// files), or beside a folder above it for a checkout kept deeper.
fn shared_data() -> PathBuf {
    root()
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/data"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| root().join("../shared/data"))
}

/// The full files, or `None` (outside CI) when they are not there.
fn full_files() -> Option<(PathBuf, PathBuf)> {
    let register = shared_data().join("sipri/trade_register.csv");
    let conflicts = shared_data().join("ucdp/UcdpPrioConflict_v25_1.csv");
    if register.is_file() && conflicts.is_file() {
        return Some((register, conflicts));
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "CI must have the full files at {} and {}",
        register.display(),
        conflicts.display()
    );
    eprintln!(
        "skipped: the full SIPRI and UCDP files are not at {}",
        shared_data().display()
    );
    None
}

#[test]
fn the_full_files_are_screened_and_every_delivery_joins_back_to_its_row() {
    let Some((register, conflicts)) = full_files() else {
        return;
    };
    let (decisions, _) = screen(&register, &conflicts);
    check_joinable(&register, &decisions);
    // Ukraine supplied Russia in 2014, the year Russia supported the other side in Ukraine's war.
    let ukraine = find(&decisions, "Ukraine", "Russia", "2014");
    assert_eq!(ukraine.decision, "deny");
    assert!(
        ukraine.rules.contains(&"supplier_on_other_side".to_owned()),
        "{:?}",
        ukraine.rules
    );
    let iraq = find(&decisions, "United States", "Iraq", "2005");
    assert!(
        iraq.rules.contains(&"un_embargo_IQ_1546".to_owned()),
        "{:?}",
        iraq.rules
    );
    let houthis = find(&decisions, "Iran", "Houthi rebels (Yemen)*", "2023");
    assert_eq!(houthis.decision, "undecided");
    assert_eq!(houthis.missing[0], r#"Country["Houthi rebels (Yemen)*"]"#);
    // A delivery in the year an embargo on its recipient began is undecided, naming its date:
    // resolution 1718 took effect on 14 October 2006, and SIPRI gives the year alone.
    let korea = find(&decisions, "Russia", "North Korea", "2006");
    assert_eq!(korea.decision, "undecided");
    assert_eq!(korea.missing.len(), 1);
    assert!(korea.missing[0].ends_with("].delivered"), "{:?}", korea.missing);
}

/// The text between the lines `<!-- NAME -->` and `<!-- /NAME -->` of the example's README,
/// without its code fence.
fn readme_block(name: &str) -> String {
    let text = std::fs::read_to_string(root().join("examples/sipri/README.md")).unwrap();
    let start = text.find(&format!("<!-- {name} -->")).unwrap();
    let end = text.find(&format!("<!-- /{name} -->")).unwrap();
    text[start..end]
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with("```"))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_shows_the_summary_pol_prints_for_the_full_files() {
    let Some((register, conflicts)) = full_files() else {
        return;
    };
    let args = screen_args(&register, &conflicts, &["--summary"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = pol(root(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(readme_block("summary"), stdout(&output));
}
