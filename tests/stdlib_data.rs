//! The data behind `std.regimes` and `std.japan` (`stdlib/data/`) is well formed and agrees with
//! its sources: exact headers, real dates, ISO 3166 codes, every row traced to a listed source,
//! no overlapping periods, and each regime's count matching the total its source states.
//!
//! `stdlib/data/README.md` describes the files and the meaning of each column.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SOURCES: &str = "sources.csv";
const MEMBERSHIPS: &str = "regimes/memberships.csv";
const REGIMES: &str = "regimes/regimes.csv";
const EMBARGOES: &str = "regimes/un_arms_embargoes.csv";
const AGREEMENTS: &str = "japan/agreements.csv";
const LICENSED: &str = "japan/licensed_equipment.csv";

/// Every data file with its exact header, in the order the README lists them.
const FILES: &[(&str, &[&str])] = &[
    (SOURCES, &["id", "title", "url", "checked", "note"]),
    (MEMBERSHIPS, &["regime", "country", "from", "until", "source"]),
    (REGIMES, &["id", "name", "source", "stated_total", "total_date"]),
    (
        EMBARGOES,
        &["country", "resolution", "from", "until", "scope", "source"],
    ),
    (AGREEMENTS, &["country", "signed", "in_force", "source"]),
    (LICENSED, &["equipment", "licensor", "source"]),
];

/// The regimes `std.regimes` knows; a row naming another is a typo.
const REGIME_IDS: &[&str] = &["EU", "NATO", "WASSENAAR", "MTCR", "NSG", "AUSTRALIA_GROUP", "ATT"];

/// Where Debian's `iso-codes` package puts the ISO 3166 lists.
const ISO_CODES: &str = "/usr/share/iso-codes/json";

/// The periods of one country in one list (a regime, or one resolution), keyed by both: each is
/// its first day, its last day and the line it is on.
type Periods = BTreeMap<(String, String), Vec<(u32, u32, usize)>>;

/// One data row: its line in the file (1-based, for messages) and its fields by column name.
struct Row {
    line: usize,
    fields: BTreeMap<String, String>,
}

impl Row {
    fn get(&self, column: &str) -> &str {
        self.fields
            .get(column)
            .unwrap_or_else(|| panic!("no column `{column}`"))
    }
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/data")
}

/// Splits RFC 4180 text into records of fields, or says where it is malformed.
/// Each record comes with the line it starts on.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut record_line = 1;
    // A field that was quoted may only be followed by a separator or the end of the record.
    let mut after_quote = false;
    while let Some(ch) = chars.next() {
        match ch {
            '"' if field.is_empty() && !after_quote => {
                loop {
                    match chars.next() {
                        None => return Err(format!("line {record_line}: unterminated quote")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(inner) => {
                            if inner == '\n' {
                                line += 1;
                            }
                            field.push(inner);
                        }
                    }
                }
                after_quote = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut record)));
                after_quote = false;
                line += 1;
                record_line = line;
            }
            '"' => return Err(format!("line {line}: quote inside an unquoted field")),
            _ if after_quote => return Err(format!("line {line}: text after a closing quote")),
            _ => field.push(ch),
        }
    }
    if !field.is_empty() || !record.is_empty() || after_quote {
        return Err(format!("line {record_line}: the last line has no line break"));
    }
    Ok(records)
}

/// The rows of one data file, after checking its header and the width of every row.
fn rows(file: &str) -> Vec<Row> {
    let header = FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, header)| *header)
        .unwrap();
    let text = std::fs::read_to_string(data_dir().join(file)).unwrap_or_else(|err| panic!("{file}: {err}"));
    let records = parse_csv(&text).unwrap_or_else(|err| panic!("{file}: {err}"));
    let (_, first) = records.first().unwrap_or_else(|| panic!("{file}: empty"));
    assert_eq!(first, header, "{file}: the header must be exactly {header:?}");
    records[1..]
        .iter()
        .map(|(line, fields)| {
            assert_eq!(
                fields.len(),
                header.len(),
                "{file}:{line}: {} fields where the header has {}",
                fields.len(),
                header.len()
            );
            let fields = header
                .iter()
                .map(|column| column.to_string())
                .zip(fields.iter().cloned())
                .collect();
            Row { line: *line, fields }
        })
        .collect()
}

/// A calendar date written `YYYY-MM-DD`, as a number that sorts like the date.
fn date(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&day)
        .then_some(year * 10_000 + month * 100 + day)
}

/// A period `from..=until` (an empty `until` is open), or a message saying what is wrong with it.
fn period(from: &str, until: &str) -> Result<(u32, u32), String> {
    let start = date(from).ok_or_else(|| format!("`{from}` is not a date"))?;
    let end = match until {
        "" => u32::MAX,
        _ => date(until).ok_or_else(|| format!("`{until}` is not a date"))?,
    };
    if end < start {
        return Err(format!("ends on {until}, before it starts on {from}"));
    }
    Ok((start, end))
}

/// The source ids a row names: one or more, separated by `;`.
fn source_ids(row: &Row) -> Vec<&str> {
    row.get("source").split(';').collect()
}

fn assert_none(failures: Vec<String>, what: &str) {
    assert!(failures.is_empty(), "{what}:\n{}", failures.join("\n"));
}

#[test]
fn every_file_has_exactly_its_header_and_rows_of_its_width() {
    for (file, _) in FILES {
        assert!(!rows(file).is_empty(), "{file} has no rows");
    }
}

#[test]
fn every_date_is_a_real_date_and_every_period_runs_forwards() {
    let mut failures = Vec::new();
    let mut check = |file: &str, line: usize, result: Result<(u32, u32), String>| {
        if let Err(message) = result {
            failures.push(format!("{file}:{line}: {message}"));
        }
    };
    for row in rows(SOURCES) {
        check(SOURCES, row.line, period(row.get("checked"), row.get("checked")));
    }
    for row in rows(MEMBERSHIPS) {
        check(MEMBERSHIPS, row.line, period(row.get("from"), row.get("until")));
    }
    for row in rows(REGIMES) {
        check(REGIMES, row.line, period(row.get("total_date"), ""));
    }
    for row in rows(EMBARGOES) {
        check(EMBARGOES, row.line, period(row.get("from"), row.get("until")));
    }
    // An agreement's entry into force is empty where no source gave it; when known, it cannot
    // come before the signature.
    for row in rows(AGREEMENTS) {
        let result = match row.get("in_force") {
            "" => period(row.get("signed"), ""),
            in_force => period(row.get("signed"), in_force),
        };
        check(AGREEMENTS, row.line, result);
    }
    assert_none(failures, "dates");
}

#[test]
fn every_country_code_is_in_iso_3166() {
    let dir = Path::new(ISO_CODES);
    if !dir.is_dir() {
        // The one place a test reads the environment: CI must have the lists, so that a missing
        // package fails there instead of skipping the check in silence.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{ISO_CODES} is missing: install Debian's `iso-codes` package"
        );
        eprintln!("{ISO_CODES} is missing; country codes are not checked");
        return;
    }
    let mut codes = BTreeSet::new();
    for (file, list, key) in [
        ("iso_3166-1.json", "3166-1", "alpha_2"),
        ("iso_3166-3.json", "3166-3", "alpha_4"),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for entry in json[list].as_array().unwrap() {
            codes.insert(entry[key].as_str().unwrap().to_string());
        }
    }
    assert!(
        codes.contains("JP") && codes.contains("SUHH"),
        "unexpected iso-codes lists"
    );
    let mut failures = Vec::new();
    for (file, column) in [
        (MEMBERSHIPS, "country"),
        (EMBARGOES, "country"),
        (AGREEMENTS, "country"),
        (LICENSED, "licensor"),
    ] {
        for row in rows(file) {
            let code = row.get(column);
            if !codes.contains(code) {
                failures.push(format!("{file}:{}: `{code}` is not an ISO 3166 code", row.line));
            }
        }
    }
    assert_none(failures, "country codes");
}

#[test]
fn every_row_names_a_listed_source_and_every_listed_source_is_used() {
    let sources = rows(SOURCES);
    let mut failures = Vec::new();
    let mut listed = BTreeSet::new();
    for row in &sources {
        let id = row.get("id");
        let well_formed = !id.is_empty()
            && id
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
        if !well_formed {
            failures.push(format!("{SOURCES}:{}: id `{id}` is not kebab-case", row.line));
        }
        if !listed.insert(id.to_string()) {
            failures.push(format!("{SOURCES}:{}: id `{id}` is listed twice", row.line));
        }
        let url = row.get("url");
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            failures.push(format!("{SOURCES}:{}: `{url}` is not a web address", row.line));
        }
        if row.get("title").is_empty() {
            failures.push(format!("{SOURCES}:{}: `{id}` has no title", row.line));
        }
    }
    let mut used = BTreeSet::new();
    for (file, _) in &FILES[1..] {
        for row in rows(file) {
            for id in source_ids(&row) {
                if !listed.contains(id) {
                    failures.push(format!("{file}:{}: source `{id}` is not listed", row.line));
                }
                used.insert(id.to_string());
            }
        }
    }
    for id in listed.difference(&used) {
        failures.push(format!("{SOURCES}: `{id}` is listed but no row names it"));
    }
    assert_none(failures, "sources");
}

#[test]
fn closed_columns_hold_only_their_values() {
    let mut failures = Vec::new();
    let stated: BTreeSet<String> = rows(REGIMES)
        .iter()
        .map(|row| row.get("id").to_string())
        .collect();
    for id in &stated {
        if !REGIME_IDS.contains(&id.as_str()) {
            failures.push(format!("{REGIMES}: unknown regime `{id}`"));
        }
    }
    let mut with_members = BTreeSet::new();
    for row in rows(MEMBERSHIPS) {
        let regime = row.get("regime");
        if !REGIME_IDS.contains(&regime) {
            failures.push(format!("{MEMBERSHIPS}:{}: unknown regime `{regime}`", row.line));
        }
        with_members.insert(regime.to_string());
    }
    // A regime with members but no stated total would escape the count check, and a stated
    // total without members would pass for nothing.
    for regime in with_members.symmetric_difference(&stated) {
        failures.push(format!(
            "`{regime}` must have both members in {MEMBERSHIPS} and a total in {REGIMES}"
        ));
    }
    for row in rows(EMBARGOES) {
        let scope = row.get("scope");
        if scope != "full" && scope != "partial" {
            failures.push(format!(
                "{EMBARGOES}:{}: scope `{scope}` is neither `full` nor `partial`",
                row.line
            ));
        }
        if row.get("resolution").parse::<u32>().is_err() {
            failures.push(format!(
                "{EMBARGOES}:{}: resolution `{}` is not a number",
                row.line,
                row.get("resolution")
            ));
        }
    }
    for row in rows(LICENSED) {
        if row.get("equipment").trim().is_empty() {
            failures.push(format!("{LICENSED}:{}: no equipment named", row.line));
        }
    }
    assert_none(failures, "closed columns");
}

#[test]
fn no_country_has_two_overlapping_periods_in_one_list() {
    let mut failures = Vec::new();
    let mut periods = Periods::new();
    for row in rows(MEMBERSHIPS) {
        if let Ok((start, end)) = period(row.get("from"), row.get("until")) {
            let key = (row.get("regime").to_string(), row.get("country").to_string());
            periods.entry(key).or_default().push((start, end, row.line));
        }
    }
    for row in rows(EMBARGOES) {
        if let Ok((start, end)) = period(row.get("from"), row.get("until")) {
            let key = (
                format!("UN {}", row.get("resolution")),
                row.get("country").to_string(),
            );
            periods.entry(key).or_default().push((start, end, row.line));
        }
    }
    for ((list, country), mut spans) in periods {
        spans.sort();
        for pair in spans.windows(2) {
            let ((_, first_end, first_line), (second_start, _, second_line)) = (pair[0], pair[1]);
            if second_start <= first_end {
                failures.push(format!(
                    "{list} {country}: the periods on lines {first_line} and {second_line} overlap"
                ));
            }
        }
    }
    let mut seen = BTreeMap::new();
    for row in rows(AGREEMENTS) {
        if let Some(line) = seen.insert(row.get("country").to_string(), row.line) {
            failures.push(format!(
                "{AGREEMENTS}: {} has agreements on lines {line} and {}",
                row.get("country"),
                row.line
            ));
        }
    }
    assert_none(failures, "overlapping periods");
}

#[test]
fn each_regime_has_the_number_of_members_its_source_states_on_that_date() {
    let memberships = rows(MEMBERSHIPS);
    let mut failures = Vec::new();
    for row in rows(REGIMES) {
        let (Some(on), Ok(stated)) = (
            date(row.get("total_date")),
            row.get("stated_total").parse::<usize>(),
        ) else {
            failures.push(format!("{REGIMES}:{}: unreadable total or date", row.line));
            continue;
        };
        let members: BTreeSet<&str> = memberships
            .iter()
            .filter(|member| member.get("regime") == row.get("id"))
            .filter(|member| {
                period(member.get("from"), member.get("until"))
                    .is_ok_and(|(start, end)| start <= on && on <= end)
            })
            .map(|member| member.get("country"))
            .collect();
        if members.len() != stated {
            failures.push(format!(
                "{}: {} members on {}, but {} says {stated}",
                row.get("id"),
                members.len(),
                row.get("total_date"),
                row.get("source")
            ));
        }
    }
    assert_none(failures, "totals");
}

#[test]
fn the_csv_reader_follows_rfc_4180() {
    let records = parse_csv("a,\"b, \"\"c\"\"\",\r\n\"multi\nline\",x,\n").unwrap();
    assert_eq!(
        records,
        vec![
            (1, vec!["a".to_string(), "b, \"c\"".to_string(), String::new()]),
            (2, vec!["multi\nline".to_string(), "x".to_string(), String::new()]),
        ]
    );
    assert!(parse_csv("a,\"b\n").is_err(), "an unterminated quote is an error");
    assert!(
        parse_csv("a,\"b\"c\n").is_err(),
        "text after a closing quote is an error"
    );
    assert!(
        parse_csv("a,b").is_err(),
        "a last line without a line break is an error"
    );
    assert_eq!(date("2024-02-29"), Some(20240229));
    assert_eq!(date("2023-02-29"), None);
    assert_eq!(date("2023-2-01"), None);
}
