//! The data modules of the standard library against their sources: `std.countries` complete
//! against Debian's iso-codes lists, and the committed modules equal to what their generators
//! write from `stdlib/data/` (whose files `tests/stdlib_data.rs` checks against their sources).
//!
//! A check that needs something the machine may lack (the iso-codes lists, `python3`) says so and
//! passes outside CI; under `CI=true` the lack is a failure, so CI always runs every check.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pol::source::SourceMap;
use pol::syntax::ast::{FactValue, Item};

const ISO_CODES: &str = "/usr/share/iso-codes/json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a missing tool or file fails the test: under CI it does, elsewhere the test is skipped.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Skips (or, under CI, fails) a check that cannot run here.
fn unavailable(what: &str) {
    assert!(!required(), "{what} is missing, and CI=true requires it");
    eprintln!("skipped: {what} is missing (CI=true makes this a failure)");
}

/// A field of a row of `data` as comparable text: a text's value, a number, a date, `none`, or a
/// set's elements sorted and joined with `|`.
fn shown(value: &FactValue) -> String {
    match value {
        FactValue::Text(text) => text.value.clone(),
        FactValue::Int(value, _) => value.to_string(),
        FactValue::Decimal(value, _) => value.to_string(),
        FactValue::Bool(value, _) => value.to_string(),
        FactValue::Date(date, _) => date.to_string(),
        FactValue::None(_) => "none".into(),
        FactValue::Unknown(_) => "unknown".into(),
        FactValue::Variant(name) => name.name.clone(),
        FactValue::Set(items, _) => {
            let mut items: Vec<String> = items.iter().map(shown).collect();
            items.sort();
            items.join("|")
        }
        FactValue::Record(_) => "record".into(),
    }
}

/// The rows of `record` in the `data` of a stdlib module, by key field, each a map of its fields.
fn rows(module: &str, record: &str, key: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = pol::stdlib::module(module).unwrap();
    let mut sources = SourceMap::new();
    let id = sources.add(format!("{module}.pol"), text.to_owned());
    let parsed = pol::syntax::parse(&sources, id).unwrap();
    let mut found = BTreeMap::new();
    for item in &parsed.items {
        let Item::Data(data) = item else { continue };
        for row in data.rows.iter().filter(|row| row.record.name == record) {
            let fields: BTreeMap<String, String> = row
                .fields
                .iter()
                .map(|field| (field.name.name.clone(), shown(&field.value)))
                .collect();
            let previous = found.insert(fields[key].clone(), fields);
            assert!(previous.is_none(), "{module}: two rows of {record} with one key");
        }
    }
    found
}

fn iso_list(file: &str, list: &str) -> Option<Vec<serde_json::Map<String, serde_json::Value>>> {
    let text = std::fs::read_to_string(Path::new(ISO_CODES).join(file)).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    Some(
        json[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry.as_object().unwrap().clone())
            .collect(),
    )
}

fn field<'a>(entry: &'a serde_json::Map<String, serde_json::Value>, name: &str) -> Option<&'a str> {
    entry.get(name).map(|value| value.as_str().unwrap())
}

#[test]
fn countries_are_complete_against_iso_codes() {
    let (Some(current), Some(former)) = (
        iso_list("iso_3166-1.json", "3166-1"),
        iso_list("iso_3166-3.json", "3166-3"),
    ) else {
        unavailable("Debian's iso-codes lists (/usr/share/iso-codes/json)");
        return;
    };
    let module = rows("countries", "Country", "code");
    let mut problems = Vec::new();
    let mut compare = |code: &str, name: &str, expected: Option<String>| {
        let actual = module.get(code).and_then(|row| row.get(name)).cloned();
        let expected = expected.unwrap_or_else(|| "none".into());
        if actual.as_deref() != Some(expected.as_str()) {
            problems.push(format!(
                "{code}.{name}: module has {actual:?}, iso-codes {expected:?}"
            ));
        }
    };
    for entry in &current {
        let code = field(entry, "alpha_2").unwrap();
        compare(code, "alpha2", Some(code.into()));
        compare(code, "alpha3", field(entry, "alpha_3").map(Into::into));
        compare(
            code,
            "numeric",
            Some(
                field(entry, "numeric")
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
                    .to_string(),
            ),
        );
        compare(code, "name", field(entry, "name").map(Into::into));
        compare(
            code,
            "official_name",
            field(entry, "official_name").map(Into::into),
        );
        compare(code, "common_name", field(entry, "common_name").map(Into::into));
        compare(code, "former", Some("false".into()));
    }
    for entry in &former {
        let code = field(entry, "alpha_4").unwrap();
        compare(code, "alpha2", field(entry, "alpha_2").map(Into::into));
        compare(code, "alpha3", field(entry, "alpha_3").map(Into::into));
        let numeric = field(entry, "numeric").map(|numeric| numeric.parse::<i64>().unwrap().to_string());
        compare(code, "numeric", numeric);
        compare(code, "name", field(entry, "name").map(Into::into));
        compare(code, "former", Some("true".into()));
        let withdrawn = field(entry, "withdrawal_date").unwrap();
        compare(code, "withdrawn_year", Some(withdrawn[..4].to_owned()));
        compare(
            code,
            "withdrawn",
            (withdrawn.len() == 10).then(|| withdrawn.to_owned()),
        );
    }
    let expected = current.len() + former.len();
    if module.len() != expected {
        problems.push(format!(
            "the module has {} countries, iso-codes {expected}",
            module.len()
        ));
    }
    assert!(
        problems.is_empty(),
        "std.countries differs from iso-codes (run scripts/gen_countries.py):\n{}",
        problems.join("\n")
    );
}

#[test]
fn common_names_name_their_country() {
    let module = rows("countries", "Country", "code");
    let names_of = |code: &str| {
        module[code]["names"]
            .split('|')
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (code, name) in [
        ("AE", "UAE"),
        ("KR", "South Korea"),
        ("KP", "North Korea"),
        ("TR", "Turkey"),
        ("TR", "Turkiye"),
        ("CI", "Cote d'Ivoire"),
        ("CI", "Ivory Coast"),
        ("RU", "Russia"),
        ("IR", "Iran"),
        ("SY", "Syria"),
        ("VN", "Vietnam"),
        ("LA", "Laos"),
        ("BO", "Bolivia"),
        ("VE", "Venezuela"),
        ("TZ", "Tanzania"),
        ("MD", "Moldova"),
        ("CZ", "Czech Republic"),
        ("MK", "Macedonia"),
        ("SZ", "Swaziland"),
        ("MM", "Burma"),
        ("SUHH", "Soviet Union"),
        ("SUHH", "USSR"),
        ("YUCS", "Yugoslavia"),
        ("CSHH", "Czechoslovakia"),
    ] {
        assert!(
            names_of(code).iter().any(|known| known == name),
            "`{name}` does not name {code}"
        );
    }
}

/// Runs a generator with `--check`; `None` if Python or the generator's input is missing here.
fn generator_check(script: &str, needs: Option<&str>) -> Option<std::process::Output> {
    if let Some(path) = needs
        && !Path::new(path).exists()
    {
        return None;
    }
    let script: PathBuf = root().join("scripts").join(script);
    Command::new("python3")
        .arg(script)
        .arg("--check")
        .current_dir(root())
        .output()
        .ok()
}

#[test]
fn countries_module_is_what_its_generator_writes() {
    let Some(output) = generator_check("gen_countries.py", Some(ISO_CODES)) else {
        unavailable("python3 or Debian's iso-codes lists");
        return;
    };
    assert!(
        output.status.success(),
        "run `python3 scripts/gen_countries.py`:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn data_modules_are_what_their_generator_writes() {
    let Some(output) = generator_check("gen_stdlib.py", None) else {
        unavailable("python3");
        return;
    };
    assert!(
        output.status.success(),
        "run `python3 scripts/gen_stdlib.py`:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
