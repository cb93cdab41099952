//! The data of `std.eu` (`stdlib/data/eu/*.csv`): every source dated, every row resting on a
//! source, and the destinations of EU001 those sources state.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

/// The records of a CSV file of the repository, header first; no field of these files holds a
/// comma inside quotes that matters here, but quoted fields are read whole.
fn read_csv(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, ch) => field.push(ch),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, ch) => field.push(ch),
        }
    }
    records.retain(|record: &Vec<String>| record.iter().any(|field| !field.is_empty()));
    records
}

#[test]
fn every_eu_source_is_dated_and_every_row_names_one() {
    let sources = read_csv("stdlib/data/eu/sources.csv");
    assert_eq!(sources[0], ["id", "title", "url", "checked", "note"]);
    for source in &sources[1..] {
        let checked = source[3].as_bytes();
        assert!(
            checked.len() == 10 && checked[4] == b'-' && checked[7] == b'-',
            "source {} has no date checked",
            source[0]
        );
        assert!(
            source[2].starts_with("https://"),
            "source {} has no address",
            source[0]
        );
    }
    let known: Vec<&str> = sources[1..].iter().map(|source| source[0].as_str()).collect();
    for (file, column) in [
        ("entries.csv", 2),
        ("ugeas.csv", 5),
        ("ugea_destinations.csv", 2),
        ("ugea_items.csv", 3),
    ] {
        for row in &read_csv(&format!("stdlib/data/eu/{file}"))[1..] {
            assert!(
                known.contains(&row[column].as_str()),
                "{file}: {row:?} names no source"
            );
        }
    }
}

#[test]
fn eu001_has_the_destinations_its_source_states() {
    let destinations = read_csv("stdlib/data/eu/ugea_destinations.csv");
    let mut eu001: Vec<&str> = destinations[1..]
        .iter()
        .filter(|row| row[0] == "EU001")
        .map(|row| row[1].as_str())
        .collect();
    eu001.sort_unstable();
    // Australia, Canada, Iceland, Japan, New Zealand, Norway, Switzerland including
    // Liechtenstein, the United Kingdom and the United States.
    assert_eq!(
        eu001,
        ["AU", "CA", "CH", "GB", "IS", "JP", "LI", "NO", "NZ", "US"]
    );
}

#[test]
fn the_ugeas_are_eu001_to_eu008_in_sections_a_to_h() {
    let ugeas = read_csv("stdlib/data/eu/ugeas.csv");
    let found: Vec<(&str, &str)> = ugeas[1..]
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    let expected: Vec<(String, String)> = (1..=8)
        .map(|n| (format!("EU00{n}"), char::from(b'A' + n - 1).to_string()))
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(found, expected);
}
