//! The SIPRI trade register and the UCDP/PRIO conflict data read untouched through the mappings
//! of `examples/sipri/`: the extracts in the repository always, the full files of the shared
//! data folder when they are there (and under `CI=true` they must be).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use std::path::{Path, PathBuf};

use support::cli::{pol, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the schema on a register and a conflict file through the mappings, as CSV with the
/// supplier and year carried through; the rows of output after the header.
fn decide(register: &Path, conflicts: &Path) -> Vec<String> {
    let delivery = format!("Delivery={}", register.display());
    let conflict = format!("ConflictYear={}", conflicts.display());
    let output = pol(
        root(),
        &[
            "run",
            "examples/sipri/schema.pol",
            "--facts",
            &delivery,
            &conflict,
            "--mapping",
            "examples/sipri/delivery.polmap",
            "examples/sipri/conflict_year.polmap",
            "--format",
            "csv",
            "--include",
            "supplier,delivered",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("position,key,supplier,delivered,decision,rules,citations,obligations,missing,pending,error")
    );
    lines.map(str::to_owned).collect()
}

/// The rows of a register after its 11 lines of notes and its header.
fn register_rows(register: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(register).unwrap();
    text.lines()
        .skip(12)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks that every delivery got a decision, numbered as its row, with its supplier and year.
fn check_every_delivery_decided(register: &Path, conflicts: &Path) {
    let rows = register_rows(register);
    let decided = decide(register, conflicts);
    assert_eq!(decided.len(), rows.len());
    for (idx, (row, decision)) in rows.iter().zip(&decided).enumerate() {
        let cells: Vec<&str> = row.split(',').collect();
        let year = cells[10];
        let expected_start = format!("{},,", idx + 1);
        assert!(decision.starts_with(&expected_start), "{decision}");
        assert!(
            decision.contains(&format!(",{year},deny,")),
            "{row} -> {decision}"
        );
    }
}

#[test]
fn the_extracts_are_read_untouched_and_every_delivery_decided() {
    let data = root().join("examples/sipri/data");
    check_every_delivery_decided(
        &data.join("trade_register.csv"),
        &data.join("UcdpPrioConflict_v25_1.csv"),
    );
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

#[test]
fn the_full_files_are_read_untouched_and_every_delivery_decided() {
    let register = shared_data().join("sipri/trade_register.csv");
    let conflicts = shared_data().join("ucdp/UcdpPrioConflict_v25_1.csv");
    if !register.is_file() || !conflicts.is_file() {
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
        return;
    }
    check_every_delivery_decided(&register, &conflicts);
}
