//! Adversarial inputs through the built `pol` binary: malformed, hostile and huge policies and
//! facts. Each must end with exit status 1 or 2 and a stable diagnostic code on standard error,
//! never a crash, a panic or a hang (a watchdog turns a hang into a failure); the few inputs
//! that are valid in disguise (a byte order mark, CRLF line ends, tabs) must be accepted.
//!
//! Small inputs live in `tests/adversarial/`; deep and huge ones are generated at test time into
//! the target's temporary folder and never kept in git.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod support;
use support::cli::{Pol, WATCHDOG};

/// The nesting of the generated deep inputs.
const DEEP: usize = 100_000;

/// The length of the generated single lines with an error at their end.
const LONG_LINE: usize = 1 << 20;

/// The length of the generated chain `1 + 1 + …` (its tree is as deep as it is long).
const CHAIN: usize = 20_000;

/// The size of the generated single-line file.
const HUGE_BYTES: usize = 50 << 20;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial")
}

/// What one run of the binary did.
struct Outcome {
    /// The exit status, or `None` when a signal ended the process.
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `pol ARGS` in `dir`, killing it past the [`WATCHDOG`] (a hang fails the test, it does not
/// stall it); `Err` says how it went wrong.
fn pol(dir: &Path, args: &[&str]) -> Result<Outcome, String> {
    let output = Pol::new(dir, args).time_limit(WATCHDOG).spawn().try_output()?;
    Ok(Outcome {
        status: output.status.code(),
        // Hostile input may be quoted back: any bytes are shown, none refused.
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Checks that `pol ARGS` fails cleanly with the diagnostic `code`; `Err` describes what it did instead.
fn expect_error(dir: &Path, args: &[&str], code: &str) -> Result<(), String> {
    let outcome = pol(dir, args)?;
    let stderr = &outcome.stderr;
    if outcome.status.is_none() {
        return Err(format!("ended by a signal\n{stderr}"));
    }
    if stderr.contains("panicked at") {
        return Err(format!("panicked\n{stderr}"));
    }
    if !matches!(outcome.status, Some(1 | 2)) {
        return Err(format!("exit status {:?}, not 1 or 2\n{stderr}", outcome.status));
    }
    // Each style of `--diagnostics` shows the code its own way, always on standard error.
    let marker = if args.contains(&"--diagnostics=json") {
        format!("\"code\":\"{code}\"")
    } else if args.contains(&"--diagnostics=narrated") {
        format!("diagnostic code: {code}")
    } else {
        format!("error[{code}]")
    };
    if !stderr.contains(&marker) {
        return Err(format!(
            "no `{marker}` on standard error\n{stderr}\n{}",
            outcome.stdout
        ));
    }
    Ok(())
}

/// Checks that `pol ARGS` succeeds; `Err` describes what it did instead.
fn expect_success(dir: &Path, args: &[&str]) -> Result<(), String> {
    let outcome = pol(dir, args)?;
    if outcome.status != Some(0) || outcome.stderr.contains("panicked at") {
        return Err(format!("exit status {:?}\n{}", outcome.status, outcome.stderr));
    }
    Ok(())
}

/// Runs every case (arguments, expected code or `None` for success) and fails listing every miss.
fn run_cases(dir: &Path, cases: &[(&[&str], Option<&str>)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(args, code)| {
            let result = match code {
                Some(code) => expect_error(dir, args, code),
                None => expect_success(dir, args),
            };
            result
                .err()
                .map(|problem| format!("pol {}: {problem}", args.join(" ")))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const PLAIN: &str = "--diagnostics=plain";

#[test]
fn malformed_policies_are_syntax_errors() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["check", PLAIN, "empty.pol"], Some("E0101")),
        (&["check", PLAIN, "blank.pol"], Some("E0101")),
        (&["check", PLAIN, "bom_only.pol"], Some("E0101")),
        (&["check", PLAIN, "truncated.pol"], Some("E0101")),
        (&["check", PLAIN, "truncated_expr.pol"], Some("E0101")),
        (&["check", PLAIN, "two_headers.pol"], Some("E0101")),
        (&["check", PLAIN, "unterminated_string.pol"], Some("E0102")),
        (&["check", PLAIN, "bad_escape.pol"], Some("E0103")),
        (&["check", PLAIN, "impossible_date.pol"], Some("E0104")),
        (&["check", PLAIN, "month_13.pol"], Some("E0104")),
        (&["check", PLAIN, "huge_int.pol"], Some("E0105")),
        (&["check", PLAIN, "garbage.pol"], Some("E0106")),
        (&["check", PLAIN, "invalid_utf8.pol"], Some("E0106")),
        (&["check", PLAIN, "utf16_bom.pol"], Some("E0106")),
        (&["check", PLAIN, "fullwidth_digit.pol"], Some("E0106")),
        (&["check", PLAIN, "zero_width.pol"], Some("E0106")),
        (&["check", PLAIN, "lookalike_cyrillic.pol"], Some("E0106")),
        (&["check", PLAIN, "lookalike_field.pol"], Some("E0106")),
        (&["check", PLAIN, "import_escape.pol"], Some("E0222")),
        (&["check", "--diagnostics=json", "garbage.pol"], Some("E0106")),
        (
            &["check", "--diagnostics=narrated", "invalid_utf8.pol"],
            Some("E0106"),
        ),
        (&["check", PLAIN, "does_not_exist.pol"], Some("E0401")),
    ];
    run_cases(&data_dir(), cases);
}

#[test]
fn valid_policies_in_disguise_are_accepted() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["check", "valid.pol"], None),
        (&["check", "bom.pol"], None),
        (&["check", "crlf.pol"], None),
        (&["check", "tabs.pol"], None),
        // A NUL byte is a character like any other inside a text literal.
        (&["check", "nul_byte.pol"], None),
        (&["run", "crlf.pol", "--facts", "valid.json"], None),
        (&["run", "bom.pol", "--facts", "valid.json"], None),
    ];
    run_cases(&data_dir(), cases);
}

#[test]
fn text_that_displays_differently_than_it_parses_is_rejected() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["check", PLAIN, "hidden_rule_cr.pol"], Some("E0108")),
        (
            &["run", PLAIN, "hidden_rule_cr.pol", "--facts", "valid.json"],
            Some("E0108"),
        ),
        (
            &["fmt", "--diagnostics=plain", "hidden_rule_cr.pol"],
            Some("E0108"),
        ),
        (&["check", PLAIN, "hidden_rule_line_separator.pol"], Some("E0108")),
        (
            &["check", PLAIN, "hidden_rule_paragraph_separator.pol"],
            Some("E0108"),
        ),
        (&["check", PLAIN, "lone_cr.pol"], Some("E0108")),
        (&["check", PLAIN, "stray_bom.pol"], Some("E0109")),
        (&["check", PLAIN, "joined_bom.pol"], Some("E0109")),
        (&["check", "--diagnostics=json", "stray_bom.pol"], Some("E0109")),
        (&["check", PLAIN, "use_std.pol"], Some("E0216")),
    ];
    run_cases(&data_dir(), cases);
}

#[test]
fn hidden_rule_is_left_untouched_by_fmt() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial-fmt");
    std::fs::create_dir_all(&dir).unwrap();
    let original = std::fs::read(data_dir().join("hidden_rule_cr.pol")).unwrap();
    std::fs::write(dir.join("hidden.pol"), &original).unwrap();
    expect_error(
        &dir,
        &["fmt", "--write", "--diagnostics=plain", "hidden.pol"],
        "E0108",
    )
    .unwrap();
    assert_eq!(std::fs::read(dir.join("hidden.pol")).unwrap(), original);
}

#[test]
fn bidirectional_controls_are_warned_about() {
    let outcome = pol(&data_dir(), &["check", PLAIN, "trojan_source.pol"]).unwrap();
    assert_eq!(outcome.status, Some(0), "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("warning[W0010]: bidirectional control character U+202E in a comment"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome
            .stderr
            .contains("warning[W0010]: bidirectional control character U+202E in a string"),
        "{}",
        outcome.stderr
    );
    // The drawn snippet never carries the control characters to the terminal.
    assert!(
        !outcome.stderr.contains('\u{202E}') && !outcome.stderr.contains('\u{2066}'),
        "{}",
        outcome.stderr
    );
}

#[test]
fn smallest_integer_literal_is_accepted() {
    run_cases(
        &data_dir(),
        &[
            (&["check", "int_min.pol"], None),
            (&["run", "int_min.pol", "--facts", "valid.json"], None),
        ],
    );
    let outcome = pol(&data_dir(), &["fmt", "int_min.pol"]).unwrap();
    assert!(
        outcome.stdout.contains("let smallest = -9223372036854775808"),
        "{}",
        outcome.stdout
    );
}

#[test]
fn malformed_json_facts_are_facts_errors() {
    let run = |file: &'static str| -> [&'static str; 5] { ["run", PLAIN, "schema.pol", "--facts", file] };
    let cases: Vec<([&str; 5], Option<&str>)> = vec![
        (run("empty.json"), Some("E0402")),
        (run("truncated.json"), Some("E0402")),
        (run("trailing_garbage.json"), Some("E0402")),
        (run("nan.json"), Some("E0402")),
        (run("lone_surrogate.json"), Some("E0402")),
        // Reading stops at its first NUL byte, before the bytes that are not UTF-8.
        (run("garbage.json"), Some("E0421")),
        (run("invalid_utf8.json"), Some("E0106")),
        (run("int_1e400.json"), Some("E0405")),
        (run("int_huge.json"), Some("E0405")),
        (run("int_huge_negative.json"), Some("E0405")),
        (run("int_fraction.json"), Some("E0405")),
        (run("int_as_text.json"), Some("E0405")),
        (run("date_feb_30.json"), Some("E0405")),
        (run("date_month_13.json"), Some("E0405")),
        (run("date_year_0.json"), Some("E0405")),
        (run("date_short.json"), Some("E0405")),
        (run("date_time.json"), Some("E0405")),
        (run("duplicate_field.json"), Some("E0412")),
        (run("duplicate_key.json"), Some("E0407")),
        (run("broken_line.jsonl"), Some("E0402")),
        (run("not_object.jsonl"), Some("E0410")),
        (run("good.json"), None),
        (run("bom.json"), None),
        (run("crlf.json"), None),
        // `-0` is the integer zero.
        (run("int_negative_zero.json"), None),
        // No lines, no records: an empty stream is a valid one.
        (run("empty.jsonl"), None),
    ];
    let cases: Vec<(&[&str], Option<&str>)> = cases.iter().map(|(args, code)| (&args[..], *code)).collect();
    run_cases(&data_dir(), &cases);
}

#[test]
fn malformed_yaml_and_csv_facts_are_facts_errors() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (
            &["run", PLAIN, "schema.pol", "--facts", "empty.yaml"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "yaml_bomb.yaml"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "yaml_alias_record.yaml"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "bad_indent.yaml"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "two_documents.yaml"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "yaml_huge_float.yaml"],
            Some("E0405"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=ragged.csv"],
            Some("E0402"),
        ),
        (
            &[
                "run",
                PLAIN,
                "schema.pol",
                "--facts",
                "Country=unterminated_quote.csv",
            ],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=stray_quote.csv"],
            Some("E0402"),
        ),
        (
            &[
                "run",
                PLAIN,
                "schema.pol",
                "--facts",
                "Country=duplicate_column.csv",
            ],
            Some("E0412"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=no_key_column.csv"],
            Some("E0408"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=bad_cells.csv"],
            Some("E0405"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "ragged.csv"],
            Some("E0410"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Nation=ragged.csv"],
            Some("E0403"),
        ),
        // A CSV file with no header has no records.
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=empty.csv"],
            None,
        ),
    ];
    run_cases(&data_dir(), cases);
}

/// The generated inputs, written once per test run.
struct Generated {
    dir: PathBuf,
}

fn generated() -> &'static Generated {
    static GENERATED: OnceLock<Generated> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial-generated");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(data_dir().join("schema.pol"), dir.join("schema.pol")).unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
        let header = "policy \"deep\"\n";
        write(
            "deep_parens.pol",
            format!("{header}let x = {}1{}\n", "(".repeat(DEEP), ")".repeat(DEEP)),
        );
        write(
            "deep_not.pol",
            format!("{header}let x = {}true\n", "not ".repeat(DEEP)),
        );
        write(
            "deep_minus.pol",
            format!("{header}let x = {}1\n", "-".repeat(DEEP)),
        );
        write(
            "long_chain.pol",
            format!("{header}let x = 1{}\n", " + 1".repeat(CHAIN)),
        );
        write(
            "deep_braces.pol",
            format!("{header}let x = {}{}\n", "{".repeat(DEEP), "}".repeat(DEEP)),
        );
        write(
            "deep_if.pol",
            format!(
                "{header}let x = {}1{}\n",
                "if true then ".repeat(DEEP),
                " else 2".repeat(DEEP)
            ),
        );
        write(
            "deep_array.json",
            format!("{{\"Country\": {}{}}}", "[".repeat(DEEP), "]".repeat(DEEP)),
        );
        write("deep_open.json", format!("{{\"Country\": {}", "[".repeat(DEEP)));
        write("deep_object.json", "{\"a\":".repeat(DEEP));
        write(
            "deep_array.yaml",
            format!("Country: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP)),
        );
        write("deep_array.jsonl", format!("{}\n", "[".repeat(DEEP)));
        write("deep_quote.csv", format!("code,embargo\n{}\n", "\"".repeat(DEEP)));
        let small = "policy \"deep\"\nrecord T key id { id: Text, b: Bool }\ndecide t: T\ndefault permit\n";
        write(
            "raised_not.pol",
            format!(
                "{small}rule d: deny {{\n  when {}t.b\n}}\n",
                "not ".repeat(10_000)
            ),
        );
        write(
            "raised_parens.pol",
            format!("{header}let x = {}1{}\n", "(".repeat(30_000), ")".repeat(30_000)),
        );
        write(
            "raised.json",
            "{\"T\": [{\"id\": \"a\", \"b\": true}]}".to_owned(),
        );
        let mut many = small.to_owned();
        for idx in 0..8_000 {
            many.push_str(&format!("rule r{idx}: deny {{\n  when t.b and nope{idx}\n}}\n"));
        }
        write("many_unknown_names.pol", many);
        let mut cycle = small.to_owned();
        for idx in 0..20_000 {
            let next = (idx + 1) % 20_000;
            cycle.push_str(&format!(
                "rule r{idx}: deny {{\n  when t.b\n  exception to r{next}\n}}\n"
            ));
        }
        write("long_cycle.pol", cycle);
        // Every rule also an exception to the first: as many cycles as rules, all through it.
        let mut fan = small.to_owned();
        for idx in 1..20_000 {
            let next = (idx + 1) % 20_000;
            fan.push_str(&format!(
                "rule r{idx}: deny {{\n  when t.b\n  exception to r{next}, r1\n}}\n"
            ));
        }
        fan.push_str("rule r0: deny {\n  when t.b\n  exception to r1\n}\n");
        write("fan_of_cycles.pol", fan);
        let mut line = String::with_capacity(HUGE_BYTES + 64);
        line.push_str("policy \"huge\" let x = \"");
        line.push_str(&"a".repeat(HUGE_BYTES));
        line.push_str("\"\n");
        write("huge_line.pol", line);
        let mut facts = String::with_capacity(HUGE_BYTES + 64);
        facts.push_str("{\"Country\": [{\"code\": \"");
        facts.push_str(&"a".repeat(HUGE_BYTES));
        facts.push_str("\", \"embargo\": false}]}");
        write("huge_line.json", facts);
        // Errors past column 65,535 of one line: miette cannot draw them (regression).
        write(
            "long_line_error.pol",
            format!(
                "policy \"long\" let s = \"{}\" let t = 1 +\n",
                "a".repeat(LONG_LINE)
            ),
        );
        write(
            "long_line_error.json",
            format!(
                "{{\"Country\": [{{\"code\": \"{}\", \"embargo\": 3}}]}}",
                "a".repeat(LONG_LINE)
            ),
        );
        Generated { dir }
    })
}

#[test]
fn deep_policies_hit_the_nesting_limit() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["check", PLAIN, "deep_parens.pol"], Some("E0107")),
        (&["check", PLAIN, "deep_not.pol"], Some("E0107")),
        (&["check", PLAIN, "deep_minus.pol"], Some("E0107")),
        (&["check", PLAIN, "long_chain.pol"], Some("E0107")),
        (&["check", PLAIN, "deep_braces.pol"], Some("E0107")),
        (&["check", PLAIN, "deep_if.pol"], Some("E0107")),
        (&["check", "--diagnostics=json", "deep_parens.pol"], Some("E0107")),
    ];
    run_cases(&generated().dir, cases);
}

#[test]
fn raised_limits_up_to_their_maximum_are_safe() {
    let dir = &generated().dir;
    fn deep_not<'a>(args: &[&'a str]) -> Vec<&'a str> {
        let mut all = args.to_vec();
        all.extend(["--max-nesting", "100000"]);
        all
    }
    let cases: &[(&[&str], Option<&str>)] = &[
        (&deep_not(&["check", "raised_not.pol"]), None),
        (
            &deep_not(&[
                "run",
                "raised_not.pol",
                "--facts",
                "raised.json",
                "--max-depth",
                "100000",
            ]),
            None,
        ),
        (&deep_not(&["fmt", "raised_not.pol"]), None),
        (&deep_not(&["check", "raised_parens.pol"]), None),
        (&deep_not(&["fmt", "raised_parens.pol"]), None),
    ];
    run_cases(dir, cases);
    // Past the maximum, the flag itself is refused.
    for flag in ["--max-nesting", "--max-depth"] {
        let outcome = pol(dir, &["check", "raised_not.pol", flag, "1000000"]).unwrap();
        assert_eq!(outcome.status, Some(2), "{}", outcome.stderr);
        assert!(outcome.stderr.contains("1..=100000"), "{}", outcome.stderr);
    }
}

#[test]
fn many_policy_errors_are_capped_and_counted() {
    let outcome = pol(&generated().dir, &["check", PLAIN, "many_unknown_names.pol"]).unwrap();
    assert_eq!(outcome.status, Some(1), "{}", outcome.stderr);
    assert_eq!(
        outcome.stderr.matches("error[E0201]").count(),
        101,
        "{}",
        outcome.stderr
    );
    assert!(
        outcome
            .stderr
            .contains("error[E0201]: 7900 more problems in the policy are not shown")
    );
}

#[test]
fn long_exception_cycle_is_reported_in_one_diagnostic() {
    let outcome = pol(&generated().dir, &["check", PLAIN, "long_cycle.pol"]).unwrap();
    assert_eq!(outcome.status, Some(1), "{}", outcome.stderr);
    assert_eq!(
        outcome.stderr.matches("error[E0207]").count(),
        1,
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("… (20000 rules in all) → `r0`"),
        "{}",
        outcome.stderr
    );
    // Rules that are exceptions to each other in many ways are one mistake, reported once.
    let outcome = pol(&generated().dir, &["check", PLAIN, "fan_of_cycles.pol"]).unwrap();
    assert_eq!(outcome.status, Some(1), "{}", outcome.stderr);
    assert_eq!(
        outcome.stderr.matches("error[E0207]").count(),
        1,
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("rule `r1` is an exception to itself"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn deep_facts_are_malformed() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (
            &["run", PLAIN, "schema.pol", "--facts", "deep_array.json"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "deep_open.json"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "deep_object.json"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "deep_array.yaml"],
            Some("E0402"),
        ),
        // A line that opens with `[` is no record, however deep it goes: said at its first byte.
        (
            &["run", PLAIN, "schema.pol", "--facts", "deep_array.jsonl"],
            Some("E0410"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=deep_quote.csv"],
            Some("E0402"),
        ),
    ];
    run_cases(&generated().dir, cases);
}

#[test]
fn errors_at_the_end_of_a_long_line_are_reported() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["check", PLAIN, "long_line_error.pol"], Some("E0101")),
        (
            &["check", "--diagnostics=fancy", "long_line_error.pol"],
            Some("E0101"),
        ),
        (
            &["check", "--diagnostics=narrated", "long_line_error.pol"],
            Some("E0101"),
        ),
        (
            &["check", "--diagnostics=json", "long_line_error.pol"],
            Some("E0101"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "long_line_error.json"],
            Some("E0405"),
        ),
    ];
    run_cases(&generated().dir, cases);
}

#[test]
fn huge_single_line_inputs_are_refused() {
    let cases: &[(&[&str], Option<&str>)] = &[
        // Larger than the default policy limit of 8 MiB: refused before reading.
        (&["check", PLAIN, "huge_line.pol"], Some("E0409")),
        (
            &["check", PLAIN, "--max-policy-bytes", "100", "schema.pol"],
            Some("E0409"),
        ),
        (
            &[
                "run",
                PLAIN,
                "schema.pol",
                "--facts",
                "huge_line.json",
                "--max-facts-bytes",
                "1000000",
            ],
            Some("E0409"),
        ),
    ];
    run_cases(&generated().dir, cases);
}

#[test]
fn facts_no_reader_reads_whole_are_refused() {
    let cases: &[(&[&str], Option<&str>)] = &[
        // yaml-rust2 takes a NUL for the end of the text: what follows must not be dropped.
        (
            &["run", PLAIN, "schema.pol", "--facts", "nul.yaml"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "escape.yaml"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "nul.json"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "nul.jsonl"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=nul.csv"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=control.csv"],
            Some("E0421"),
        ),
        (
            &["run", "--diagnostics=json", "schema.pol", "--facts", "nul.yaml"],
            Some("E0421"),
        ),
        // A document end marker (`...`) and then more: a second document.
        (
            &["run", PLAIN, "schema.pol", "--facts", "after_document_end.yaml"],
            Some("E0402"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "long_key.yaml"],
            Some("E0402"),
        ),
    ];
    run_cases(&data_dir(), cases);
    let outcome = pol(
        &data_dir(),
        &["run", PLAIN, "schema.pol", "--facts", "long_key.yaml"],
    )
    .unwrap();
    assert!(
        outcome
            .stderr
            .contains("malformed YAML: a key longer than 1024 characters"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn huge_inputs_of_nul_bytes_are_refused_at_once() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial-zeros");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(data_dir().join("schema.pol"), dir.join("schema.pol")).unwrap();
    let zeros = vec![0u8; HUGE_BYTES];
    for name in ["zeros.json", "zeros.jsonl", "zeros.yaml", "zeros.csv"] {
        std::fs::write(dir.join(name), &zeros).unwrap();
    }
    let cases: &[(&[&str], Option<&str>)] = &[
        (
            &["run", PLAIN, "schema.pol", "--facts", "zeros.json"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "zeros.jsonl"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "zeros.yaml"],
            Some("E0421"),
        ),
        (
            &["run", PLAIN, "schema.pol", "--facts", "Country=zeros.csv"],
            Some("E0421"),
        ),
    ];
    run_cases(&dir, cases);
    for (args, _) in cases {
        let outcome = pol(&dir, args).unwrap();
        // Regression: 50 MB of NULs was an "empty facts file" (YAML), or a header echoed whole.
        assert!(!outcome.stderr.contains("empty facts file"), "{}", outcome.stderr);
        assert!(
            outcome.stderr.len() < 4096,
            "{} bytes on standard error",
            outcome.stderr.len()
        );
        // Refused at the first byte, not after reading on: the diagnostic points at the start.
        // (The watchdog only catches a hang; how fast facts load is `cargo bench --bench batch`.)
        assert!(outcome.stderr.contains(":1:1]"), "{}", outcome.stderr);
    }
}

#[test]
fn diagnostics_quote_at_most_a_line_of_a_huge_header() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial-header");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(data_dir().join("schema.pol"), dir.join("schema.pol")).unwrap();
    // The row of one cell is malformed: its diagnostic would draw the header above it.
    let header = format!("code,{}\nJP\n", "h".repeat(LONG_LINE));
    std::fs::write(dir.join("long_header.csv"), header).unwrap();
    let args = ["run", PLAIN, "schema.pol", "--facts", "Country=long_header.csv"];
    run_cases(&dir, &[(&args, Some("E0404"))]);
    let outcome = pol(&dir, &args).unwrap();
    let quoted = format!("unknown field `{}…`", "h".repeat(80));
    assert!(outcome.stderr.contains(&quoted), "{}", outcome.stderr);
    assert!(
        outcome.stderr.len() < 4096,
        "{} bytes on standard error",
        outcome.stderr.len()
    );
}
