//! Unit tests of the REPL session over a file system in memory.

use std::path::{Path, PathBuf};

use super::*;
use crate::session::MemoryFiles;

const SCHEMA: &str = r#"module "Schema"

record Country key code {
  code: Text
  friendly: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}
"#;

const POLICY: &str = r#"policy "Session"
use "schema.pol"

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule friendly: permit {
  when t.destination.friendly
  because "friendly countries"
  effective 2020-01-01
}
"#;

const FACTS: &str = r#"{"Country": [{"code": "US", "friendly": true}, {"code": "XX"}],
 "Transfer": [{"id": "t1", "destination": "US", "date": "2024-01-01"},
              {"id": "t2", "destination": "XX", "date": "2024-01-01"}]}"#;

fn path(name: &str) -> PathBuf {
    Path::new("/project").join(name)
}

/// A disk with the schema, the policy and its facts.
fn disk() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write(path("schema.pol"), SCHEMA);
    files.write(path("policy.pol"), POLICY);
    files.write(path("facts.json"), FACTS);
    files
}

/// Each input after `> `, then what the REPL answers: its text, and the code and message of each
/// diagnostic.
fn transcript(repl: &mut Repl<'_>, inputs: &[&str]) -> String {
    let mut out = String::new();
    for input in inputs {
        let reply = repl.input(input);
        out.push_str(&format!("> {input}\n"));
        if !reply.text.is_empty() {
            out.push_str(&reply.text);
            out.push('\n');
        }
        for diagnostic in &reply.diagnostics {
            out.push_str(&format!(
                "[{}] {}\n",
                diagnostic.code.as_str(),
                diagnostic.message
            ));
        }
    }
    out
}

/// Runs `inputs` in a new REPL on `files` and compares the transcript with `expected`.
fn check_on(files: &MemoryFiles, inputs: &[&str], expected: &str) {
    let mut repl = Repl::new(Workspace::new(files, Vec::new()), files, path("<repl>"));
    let actual = transcript(&mut repl, inputs);
    assert_eq!(actual, expected, "\n--- actual\n{actual}");
}

fn check(inputs: &[&str], expected: &str) {
    check_on(&disk(), inputs, expected);
}

#[test]
fn a_rule_typed_with_the_name_of_a_policy_rule_replaces_it() {
    check(
        &[
            ":load /project/policy.pol",
            ":facts /project/facts.json",
            ":decide t1",
            "rule friendly: deny {\n  when t.destination.friendly\n}",
            ":decide t1",
        ],
        "> :load /project/policy.pol
loaded /project/policy.pol
> :facts /project/facts.json
loaded facts from /project/facts.json
> :decide t1
Transfer t1 under the law of 2024-01-01: PERMIT
  by friendly: friendly countries
> rule friendly: deny {\n  when t.destination.friendly\n}
replaced rule `friendly`
> :decide t1
Transfer t1: DENY
  by friendly
",
    );
}

#[test]
fn a_declaration_with_an_error_is_refused_and_the_policy_stays_as_it_was() {
    check(
        &[
            ":load /project/policy.pol",
            ":facts /project/facts.json",
            "let limit: Int = \"three\"",
            "limit",
            ":decide t1",
        ],
        "> :load /project/policy.pol
loaded /project/policy.pol
> :facts /project/facts.json
loaded facts from /project/facts.json
> let limit: Int = \"three\"
[E0204] `limit` is declared as `Int`, but its value is `Text`
> limit
[E0201] unknown name `limit`
> :decide t1
Transfer t1 under the law of 2024-01-01: PERMIT
  by friendly: friendly countries
",
    );
}

#[test]
fn reload_reads_the_policy_again_and_keeps_what_was_typed() {
    let files = disk();
    let mut repl = Repl::new(Workspace::new(&files, Vec::new()), &files, path("<repl>"));
    let before = transcript(
        &mut repl,
        &[":load /project/policy.pol", "let extra: Int = 1", ":rules"],
    );
    assert_eq!(
        before,
        "> :load /project/policy.pol
loaded /project/policy.pol
> let extra: Int = 1
defined let `extra`
> :rules
friendly (permit) in force from 2020-01-01
"
    );
    files.write(
        path("policy.pol"),
        POLICY.replace("rule friendly", "rule welcome"),
    );
    let after = transcript(&mut repl, &[":reload", ":rules", "extra + 1"]);
    assert_eq!(
        after,
        "> :reload
loaded /project/policy.pol
> :rules
welcome (permit) in force from 2020-01-01
> extra + 1
2 : Int
"
    );
}

#[test]
fn an_unknown_prints_the_facts_it_needs_with_its_type() {
    check(
        &[
            ":load /project/policy.pol",
            ":facts /project/facts.json",
            "Country[\"XX\"].friendly",
            ":decide t2",
            "t.destination.friendly or true",
            ":type t.destination",
        ],
        "> :load /project/policy.pol
loaded /project/policy.pol
> :facts /project/facts.json
loaded facts from /project/facts.json
> Country[\"XX\"].friendly
unknown : Bool, missing Country[\"XX\"].friendly
> :decide t2
Transfer t2 under the law of 2024-01-01: UNDECIDED
  pending friendly (permit, unknown): friendly countries
     missing: Country[\"XX\"].friendly
  missing: Country[\"XX\"].friendly
> t.destination.friendly or true
true : Bool
> :type t.destination
Country
",
    );
}

#[test]
fn asof_reset_and_commands_that_need_a_decision() {
    check(
        &[
            ":why",
            ":load /project/policy.pol",
            ":facts /project/facts.json",
            ":asof 2010-01-01",
            ":decide t1",
            ":asof",
            ":reset",
            ":decide t1",
            ":load /project/missing.pol",
            ":frob",
        ],
        "> :why
[E0432] no decision to explain yet
> :load /project/policy.pol
loaded /project/policy.pol
> :facts /project/facts.json
loaded facts from /project/facts.json
> :asof 2010-01-01
deciding under the law of 2010-01-01
> :decide t1
Transfer t1 under the law of 2010-01-01: DENY by default: no rule permits this transfer
> :asof
deciding under the law of each subject's own date
> :reset
dropped the declarations typed here, the facts and their changes, the date and the last decision
> :decide t1
[E0428] no facts are loaded in this session
> :load /project/missing.pol
[E0431] `:load`: cannot open `/project/missing.pol`: no such file
> :frob
[E0430] unknown command `:frob`
",
    );
}

#[test]
fn an_input_is_complete_unless_it_ends_too_soon() {
    for (input, complete) in [
        ("1 + 2", true),
        ("1 +", false),
        ("rule r: deny {", false),
        ("rule r: deny {\n  when true\n}", true),
        (":decide (", true),
        ("(1 + 2))", true),
        ("", true),
    ] {
        assert_eq!(is_complete(input), complete, "{input:?}");
    }
}

#[test]
fn a_diff_shows_the_lines_that_left_before_those_that_came() {
    assert_eq!(
        diff_lines(
            "PERMIT\n  by a\n  same\n  when x: false",
            "DENY\n  by b\n  same\n  when x: true"
        ),
        [
            "- PERMIT",
            "-   by a",
            "+ DENY",
            "+   by b",
            "-   when x: false",
            "+   when x: true"
        ]
    );
    assert!(diff_lines("same\nlines", "same\nlines").is_empty());
}

#[test]
fn a_subject_gone_from_the_facts_reloaded_no_longer_binds_the_subject() {
    let files = disk();
    let mut repl = Repl::new(Workspace::new(&files, Vec::new()), &files, path("<repl>"));
    transcript(
        &mut repl,
        &[
            ":load /project/policy.pol",
            ":facts /project/facts.json",
            ":decide t1",
        ],
    );
    files.write(path("facts.json"), FACTS.replace("\"t1\"", "\"t3\""));
    let after = transcript(&mut repl, &[":reload", "1 + 1", "t.date"]);
    assert_eq!(
        after,
        "> :reload
loaded /project/policy.pol
> 1 + 1
2 : Int
> t.date
[E0201] unknown name `t`
"
    );
}
