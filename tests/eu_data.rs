//! The data of `std.eu` (`stdlib/data/eu/*.csv`): every source dated, every row resting on a
//! source, and the destinations, Section I and qualified entries of Annex II as its consolidated
//! text states them.

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
        ("ugeas.csv", 6),
        ("ugea_destinations.csv", 2),
        ("ugea_items.csv", 4),
        ("section_i.csv", 1),
    ] {
        for row in &read_csv(&format!("stdlib/data/eu/{file}"))[1..] {
            assert!(
                known.contains(&row[column].as_str()),
                "{file}: {row:?} names no source"
            );
        }
    }
}

/// The destinations `ugea.csv` holds for `ugea`, sorted.
fn destinations_of(ugea: &str) -> Vec<String> {
    let destinations = read_csv("stdlib/data/eu/ugea_destinations.csv");
    let mut found: Vec<String> = destinations[1..]
        .iter()
        .filter(|row| row[0] == ugea)
        .map(|row| row[1].clone())
        .collect();
    found.sort_unstable();
    found
}

fn sorted(codes: &str) -> Vec<String> {
    let mut codes: Vec<String> = codes.split_whitespace().map(str::to_string).collect();
    codes.sort_unstable();
    codes
}

#[test]
fn each_ugea_has_the_destinations_part_2_of_its_section_lists() {
    // Annex II of the consolidated text, Part 2 of Sections A to G, names turned into ISO codes:
    // "Switzerland, including Liechtenstein" is CH and LI, "China (including Hong Kong and
    // Macao)" is CN, HK and MO. "French overseas territories" (EU003, EU004) has no one code
    // and is left out, so that no export there is let through by a guess.
    let eu003 = "AL AR BA BR CL CN HK MO IN KZ MX ME MA MK RS SG ZA KR TN TR UA AE";
    for (ugea, listed) in [
        ("EU001", "AU CA IS JP NZ NO CH LI GB US"),
        ("EU002", "AR ZA KR TR"),
        ("EU003", eu003),
        ("EU004", eu003),
        ("EU005", "AR CN HK MO IN ZA KR TR UA"),
        ("EU006", "AR KR TR UA"),
        ("EU007", "AR BR CL IN ID IL JO MY MX MA PH SG ZA KR TH TN"),
    ] {
        assert_eq!(destinations_of(ugea), sorted(listed), "{ugea}");
    }
}

#[test]
fn eu008_excludes_the_destinations_part_2_b_names() {
    // Section H, Part 2(b); Part 2(a) (the destinations of EU001) and 2(c) (arms embargoes and
    // restrictive measures) are for the policy to apply.
    let excluded = "AF AM AZ BY KH CF CN HK MO CG CD EG ER GE IR IQ IL KZ KG LB LY MY ML MU MN MM KP \
                    OM PK QA RU SA SO SS SD SY TJ TM AE UZ VE YE ZW";
    assert_eq!(destinations_of("EU008"), sorted(excluded));
    let ugeas = read_csv("stdlib/data/eu/ugeas.csv");
    for row in &ugeas[1..] {
        let scope = if row[0] == "EU008" { "excluded" } else { "listed" };
        assert_eq!(row[3], scope, "{}", row[0]);
    }
}

#[test]
fn section_i_is_the_list_of_annex_ii_and_excludes_from_eu001_eu003_eu004_eu007() {
    let section_i: Vec<String> = read_csv("stdlib/data/eu/section_i.csv")[1..]
        .iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(
        section_i,
        sorted(
            "0C001 0C002 0D001 0E001 1A102 1C351 1C353 1C354 1C450.a.1 1C450.a.2 7E104 9A009.a \
             9A117"
        )
    );
    let ugeas = read_csv("stdlib/data/eu/ugeas.csv");
    let with_section_i: Vec<&str> = ugeas[1..]
        .iter()
        .filter(|row| row[5] == "true")
        .map(|row| row[0].as_str())
        .collect();
    assert_eq!(with_section_i, ["EU001", "EU003", "EU004", "EU007"]);
}

#[test]
fn every_qualified_entry_says_what_the_text_qualifies() {
    let items = read_csv("stdlib/data/eu/ugea_items.csv");
    assert_eq!(items[0], ["ugea", "entry", "scope", "note", "source"]);
    let mut n_qualified = 0;
    for row in &items[1..] {
        if row[2] == "covers_qualified" {
            n_qualified += 1;
            assert!(row[3].len() > 20, "{row:?} does not say what is qualified");
        }
    }
    // EU005: 5B001, 5D001, 5E001.a; EU007: Category 4 and Category 5 Part 1; EU008: 5A002.b,
    // 5D002.a.1, 5D002.b, 5D002.c.1, 5E002.b.
    assert_eq!(n_qualified, 10);
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
