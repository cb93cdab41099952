//! The EU dual-use example never gives a bare permit: every permit rule obliges a route, every
//! permit decision on the example's cases names one route per deciding rule, and every decision
//! that is not undecided cites the provision it rests on.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

mod support;
use support::cli::pol;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_permit_rule_obliges_a_route() {
    let text = std::fs::read_to_string(root().join("examples/eu-dual-use/dual_use.pol")).unwrap();
    let mut n_permits = 0;
    for block in text.split("\nrule ").skip(1) {
        let head = block.lines().next().unwrap();
        let body = &block[..block.find("\n}").unwrap()];
        if head.contains(": permit") {
            n_permits += 1;
            let routes = body.matches("route_").count();
            assert_eq!(routes, 1, "rule {head} must oblige exactly one route");
        } else {
            assert!(!body.contains("oblige"), "deny rule {head} obliges something");
        }
        assert!(body.contains("\n  cite \""), "rule {head} cites no provision");
    }
    assert!(n_permits >= 10, "only {n_permits} permit rules found");
}

#[test]
fn every_decision_on_the_cases_names_its_route_and_citation() {
    let output = pol(
        root(),
        &[
            "run",
            "examples/eu-dual-use/dual_use.pol",
            "--facts",
            "examples/eu-dual-use/cases.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        let decision: serde_json::Value = serde_json::from_str(line).unwrap();
        let verdict = decision["decision"].as_str().unwrap().to_string();
        let key = decision["key"].as_str().unwrap();
        let rules = decision["rules"].as_array().unwrap();
        let routes = decision["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|obligation| obligation["name"].as_str().unwrap().starts_with("route_"))
            .count();
        match verdict.as_str() {
            "permit" => assert_eq!(routes, rules.len(), "{key}: one route per deciding rule"),
            _ => assert_eq!(routes, 0, "{key}: a {verdict} names no route of a permit"),
        }
        if verdict != "undecided" && !decision["by_default"].as_bool().unwrap() {
            for rule in rules {
                assert!(
                    !rule["citation"].as_str().unwrap_or_default().is_empty(),
                    "{key}: rule {} has no citation",
                    rule["name"]
                );
            }
        }
        *counts.entry(verdict).or_insert(0) += 1;
    }
    assert!(counts.values().sum::<usize>() >= 30, "too few cases: {counts:?}");
    for verdict in ["permit", "deny", "undecided"] {
        assert!(
            counts.contains_key(verdict),
            "no {verdict} among the cases: {counts:?}"
        );
    }
}
