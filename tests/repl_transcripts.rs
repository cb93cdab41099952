//! Transcripts of `pol repl` sessions: every `tests/golden/repl/*.in` is fed, line by line, to the
//! built binary's non-interactive mode, and what it prints is compared with the `.stdout`,
//! `.stderr` and `.exit` files beside it (a missing file means empty output, or status 0).
//!
//! - The first line may be `// pol: ARGS`, the arguments of the command (`repl` and what follows);
//!   without it the command is `pol repl`. Comment lines are input too, which the REPL ignores.
//! - Commands run at the root of the repository, so inputs name files as `examples/japan/…`; the
//!   root's absolute path in the output is written `<root>`.
//! - Each transcript is a test of its own, `repl::<name>`; `POL_BLESS=1 cargo test --test
//!   repl_transcripts` rewrites the expected files, whose diff is then to be reviewed.
//! - `docs/repl.md` shows `japan_session` whole: its input and its output are checked against it.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

mod support;
use support::cli::{Pol, WATCHDOG};
use support::files_with;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn transcripts() -> PathBuf {
    root().join("tests/golden/repl")
}

/// The arguments of a transcript's command, from its `// pol: ARGS` line.
fn args_for(input: &str) -> Vec<String> {
    match input
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("// pol: "))
    {
        Some(args) => args.split_whitespace().map(str::to_owned).collect(),
        None => vec!["repl".to_owned()],
    }
}

/// Compares `actual` with the file `path`, or writes it there when blessing.
fn compare(path: &Path, actual: &str, bless: bool) -> Result<(), String> {
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if bless {
        if actual.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::write(path, actual).unwrap();
        }
        return Ok(());
    }
    if expected == actual {
        return Ok(());
    }
    Err(format!(
        "{} differs (bless with POL_BLESS=1)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    ))
}

fn run(case: &Path, bless: bool) -> Result<(), Failed> {
    let input = std::fs::read_to_string(case).unwrap();
    let args = args_for(&input);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = Pol::new(&root(), &args)
        .input(&input)
        .time_limit(WATCHDOG)
        .output();
    let canonical = std::fs::canonicalize(root()).unwrap();
    let clean = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .replace(&canonical.display().to_string(), "<root>")
            .replace(&root().display().to_string(), "<root>")
    };
    let status = output.status.code().unwrap_or(-1);
    let exit = if status == 0 {
        String::new()
    } else {
        format!("{status}\n")
    };
    let mut problems = Vec::new();
    for (extension, actual) in [
        ("stdout", clean(&output.stdout)),
        ("stderr", clean(&output.stderr)),
        ("exit", exit),
    ] {
        if let Err(problem) = compare(&case.with_extension(extension), &actual, bless) {
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// `docs/repl.md` shows the Japan session as it runs: its input block is `japan_session.in`
/// without the comment lines, and its output block is what the binary prints.
fn docs_show_the_japan_session() -> Result<(), Failed> {
    let doc = std::fs::read_to_string(root().join("docs/repl.md")).unwrap();
    let input = std::fs::read_to_string(transcripts().join("japan_session.in")).unwrap();
    let input: String = input
        .lines()
        .filter(|line| !line.starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let output = std::fs::read_to_string(transcripts().join("japan_session.stdout")).unwrap();
    for (what, block) in [("input", input), ("output", output)] {
        if !doc.contains(&format!("```text\n{block}```\n")) {
            return Err(
                format!("docs/repl.md does not show the session's {what} as a text block:\n{block}").into(),
            );
        }
    }
    Ok(())
}

fn main() {
    let arguments = Arguments::from_args();
    let bless = std::env::var_os("POL_BLESS").is_some();
    let mut trials: Vec<Trial> = files_with(&transcripts(), &["in"])
        .into_iter()
        .map(|case| {
            let name = case.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(format!("repl::{name}"), move || run(&case, bless))
        })
        .collect();
    trials.push(Trial::test(
        "docs_show_the_japan_session",
        docs_show_the_japan_session,
    ));
    libtest_mimic::run(&arguments, trials).exit();
}
