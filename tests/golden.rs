//! The golden corpus: every `tests/golden/**/*.pol` (and `*.cmd`) is run through the built `pol`
//! binary and its output compared with the `.stdout`, `.stderr` and `.exit` files beside it.
//!
//! - A `.pol` file runs `pol check FILE`, or the command in a `// pol: ARGS` line near its top
//!   (`{file}` stands for the file itself), e.g. `// pol: run {file} --facts cases.json --explain`.
//! - A `.cmd` file holds the arguments of one command on its first line (for cases that need no
//!   policy of their own, such as running a bundled example under another date). Lines after it
//!   that start with `$ ` are shell commands that prepare a scratch copy of the case's folder, and
//!   the command then runs in that copy (for cases that write files, or need what git does not
//!   keep: modes, hard links).
//! - A missing `.stdout` or `.stderr` means empty output; a missing `.exit` means exit status 0.
//! - Commands run in the file's folder, so paths in output are short and stable.
//!
//! Each case is a test of its own, named `golden::<folder>::<case>` after its path: `cargo test
//! golden::function_calls::screen` runs one case, `cargo test --test golden function_calls` a
//! folder. `POL_BLESS=1 cargo test --test golden` rewrites the expected files (of the cases run)
//! and `docs/diagnostics.md`; review the diff.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

mod support;
use support::cli::pol;
use support::files_with;

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Splits a command line on spaces, keeping double-quoted words together.
fn split_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !current.is_empty() {
                    args.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(ch),
        }
    }
    if !current.is_empty() {
        args.push(current);
    }
    args
}

fn command_for(path: &Path) -> Option<Vec<String>> {
    let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&text);
    if path.extension().is_some_and(|ext| ext == "cmd") {
        return Some(split_args(text.lines().next().unwrap_or("")));
    }
    // Files that are imported by others (helpers of a golden case) carry `// pol: skip`.
    for line in text.lines().take(5) {
        if let Some(args) = line.trim().strip_prefix("// pol:") {
            let args = args.trim();
            if args == "skip" {
                return None;
            }
            return Some(split_args(&args.replace("{file}", &file_name)));
        }
    }
    Some(vec!["check".into(), file_name])
}

/// The shell lines (`$ …`) of a `.cmd` case that prepare its scratch folder.
fn setup_for(path: &Path) -> Vec<String> {
    if path.extension().is_none_or(|ext| ext != "cmd") {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| line.strip_prefix("$ ").map(str::to_owned))
        .collect()
}

/// The folder a case runs in: its own, or a scratch copy of it prepared by its setup lines.
fn folder_for(case: &Path, setup: &[String]) -> PathBuf {
    let folder = case.parent().unwrap().to_path_buf();
    if setup.is_empty() {
        return folder;
    }
    let relative = case.strip_prefix(golden_root()).unwrap().display().to_string();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("golden")
        .join(relative.replace('/', "-"));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, scratch.join(path.file_name().unwrap())).unwrap();
        }
    }
    for line in setup {
        let status = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(&scratch)
            .status()
            .unwrap();
        assert!(status.success(), "{relative}: `{line}` failed");
    }
    scratch
}

fn expected(path: &Path, extension: &str) -> (PathBuf, String) {
    let file = path.with_extension(extension);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    (file, text)
}

/// Runs one case and compares (or, when blessing, rewrites) its expected files.
fn run_case(case: &Path, args: &[String], bless: bool) -> Result<(), Failed> {
    let folder = folder_for(case, &setup_for(case));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = pol(&folder, &args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or(-1);
    let code_text = if code == 0 {
        String::new()
    } else {
        format!("{code}\n")
    };
    let mut failures = Vec::new();
    for (extension, actual) in [("stdout", &stdout), ("stderr", &stderr), ("exit", &code_text)] {
        let (file, wanted) = expected(case, extension);
        if *actual == wanted {
            continue;
        }
        if bless {
            if actual.is_empty() {
                let _ = std::fs::remove_file(&file);
            } else {
                std::fs::write(&file, actual).unwrap();
            }
        } else {
            failures.push(format!(
                "{} ({extension}) for `pol {}`, `-` expected, `+` actual:\n{}",
                case.strip_prefix(golden_root()).unwrap().display(),
                args.join(" "),
                line_diff(&wanted, actual)
            ));
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} (rerun with POL_BLESS=1 to accept):\n\n{}",
        if failures.len() == 1 {
            "1 golden mismatch".to_owned()
        } else {
            format!("{} golden mismatches", failures.len())
        },
        failures.join("\n\n")
    )
    .into())
}

/// The lines of `expected` and `actual`, each marked `-` (only expected), `+` (only actual) or
/// ` ` (both), with runs of more than three common lines between changes shortened to `…`.
fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // The length of the longest common subsequence of `old[i..]` and `new[j..]`, for every i, j.
    let mut common = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut marked: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            marked.push((' ', old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            marked.push(('-', old[i]));
            i += 1;
        } else {
            marked.push(('+', new[j]));
            j += 1;
        }
    }
    let near_change = |idx: usize| {
        let start = idx.saturating_sub(3);
        let end = (idx + 4).min(marked.len());
        marked[start..end].iter().any(|(mark, _)| *mark != ' ')
    };
    let mut out = String::new();
    let mut skipping = false;
    for (idx, (mark, line)) in marked.iter().enumerate() {
        if near_change(idx) {
            out.push_str(&format!("{mark} {line}\n"));
            skipping = false;
        } else if !skipping {
            out.push_str("  …\n");
            skipping = true;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the two differ in their final line break)\n");
    }
    out
}

/// The trial name of a case: `golden::<folder>::<case>`, from its path under `tests/golden/`.
fn trial_name(case: &Path) -> String {
    let relative = case.strip_prefix(golden_root()).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    format!("golden::{}", parts.join("::"))
}

/// One trial per case, then the checks over the whole corpus. `cargo test golden::NAME` (or
/// `cargo test --test golden FOLDER`) runs the matching cases only; `--list`, `--exact`,
/// `--ignored` and the other flags of the standard harness work as usual.
fn main() {
    let mut arguments = Arguments::from_args();
    let bless = std::env::var_os("POL_BLESS").is_some();
    if bless {
        // The generated doc reads the blessed files, so they must all be written before it runs.
        arguments.test_threads = Some(1);
    }
    let cases = files_with(&golden_root(), &["pol", "cmd"]);
    assert!(cases.len() > 10, "the golden corpus is missing");
    let mut trials = Vec::new();
    for case in cases {
        // Files that are imported by others (helpers of a golden case) run as no case of their own.
        let Some(args) = command_for(&case) else { continue };
        trials.push(Trial::test(trial_name(&case), move || {
            run_case(&case, &args, bless)
        }));
    }
    let names: Vec<String> = trials.iter().map(|trial| trial.name().to_owned()).collect();
    trials.push(Trial::test("every_case_has_a_name_of_its_own", move || {
        names_are_unique(&names)
    }));
    trials.push(Trial::test(
        "every_diagnostic_code_has_a_golden_example",
        every_diagnostic_code_has_a_golden_example,
    ));
    trials.push(Trial::test("diagnostics_doc_is_up_to_date", move || {
        diagnostics_doc_is_up_to_date(bless)
    }));
    libtest_mimic::run(&arguments, trials).exit();
}

/// No two cases share a trial name, so each can be run alone by its name (a `.pol` and a `.cmd`
/// case of one stem in one folder would).
fn names_are_unique(names: &[String]) -> Result<(), Failed> {
    let mut seen = std::collections::BTreeSet::new();
    let twice: Vec<&String> = names.iter().filter(|name| !seen.insert(*name)).collect();
    if twice.is_empty() {
        return Ok(());
    }
    Err(format!("cases with the same name (rename one of each): {twice:?}").into())
}

/// Why a code has no golden case, for the few that no fixed input can produce.
fn without_golden_example(code: &str) -> Option<&'static str> {
    match code {
        "E0301" => Some("This code means a bug in Pol's checker; no valid input produces it."),
        "E0228" => Some(
            "This code comes from an expression typed at a prompt, which no policy file can hold; the unit tests of `check::check_expr` show it.",
        ),
        "E0229" => Some(
            "This code means a program with errors reached the evaluator, which `pol` never lets happen; the unit tests of `check::check_partial` show it.",
        ),
        "E0416" => Some(
            "This code comes from binding loaded facts to an edited policy (`Engine::rebind_facts`, for a REPL or an editor), which the `pol` command never does; the unit tests of `Engine::rebind_facts` show it.",
        ),
        "E0417" => Some(
            "This code needs another program to change a file while `pol fmt --write` formats it, so no fixed input produces it; the unit tests of `pol fmt` do.",
        ),
        _ => None,
    }
}

/// Every diagnostic code appears in at least one expected output, so each has a worked example.
fn every_diagnostic_code_has_a_golden_example() -> Result<(), Failed> {
    let mut outputs = String::new();
    let files = files_with(&golden_root(), &["stderr", "stdout"]);
    for file in files {
        outputs.push_str(&std::fs::read_to_string(file).unwrap());
    }
    // A few codes cannot come from a fixed input; `without_golden_example` says why.
    let missing: Vec<&str> = pol::diagnostic::Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| {
            without_golden_example(code).is_none()
                && !outputs.contains(&format!("[{code}]"))
                && !outputs.contains(&format!("\"{code}\""))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!("codes without a golden example: {missing:?}").into())
}

/// The report in `output` (the diagnostics printed for one input, up to its count of errors
/// and warnings) that shows `code`.
fn report_with<'a>(output: &'a str, code: &str) -> &'a str {
    let mut start = 0;
    let mut at = 0;
    for line in output.split_inclusive('\n') {
        at += line.len();
        let words: Vec<&str> = line.split_whitespace().collect();
        let is_count = words.first().is_some_and(|word| word.parse::<u32>().is_ok())
            && words
                .iter()
                .skip(1)
                .all(|word| word.starts_with("error") || word.starts_with("warning") || *word == "and");
        if is_count {
            if output[start..at].contains(&format!("[{code}]")) {
                return &output[start..at];
            }
            start = at;
        }
    }
    output
}

/// `docs/diagnostics.md` lists every code with its summary and a golden example; it is generated
/// from `src/diagnostic/code.rs` and the corpus, and `POL_BLESS=1` regenerates it.
fn diagnostics_doc_is_up_to_date(bless: bool) -> Result<(), Failed> {
    let root = golden_root();
    let cases = files_with(&root, &["pol", "cmd"]);
    // Outputs with no case beside them: what a session reports (`tests/session.rs` and
    // `tests/session_queries.rs` write them).
    let session_outputs: Vec<(std::path::PathBuf, String)> = files_with(&root, &["stderr"])
        .into_iter()
        .filter(|file| !file.with_extension("pol").exists() && !file.with_extension("cmd").exists())
        .map(|file| {
            let output = std::fs::read_to_string(&file).unwrap();
            (file, output)
        })
        .collect();
    let mut doc = String::from(
        "# Diagnostic codes\n\n\
         Every problem Pol reports has a stable code: `E01xx` syntax, `E02xx` checking, `E03xx` evaluation, `E04xx` facts and input, `W0xxx` warnings.\n\
         Codes are never reused or renumbered.\n\
         Each entry below shows a case from the golden corpus (`tests/golden/`) and what `pol` prints for it.\n\
         This page is generated from `src/diagnostic/code.rs` and the corpus by `POL_BLESS=1 cargo test --test golden`.\n",
    );
    for code in pol::diagnostic::Code::ALL {
        let text = code.as_str();
        doc.push_str(&format!("\n## {text}\n\n{}\n", code.summary()));
        let example = cases.iter().find(|case| {
            let stderr = std::fs::read_to_string(case.with_extension("stderr")).unwrap_or_default();
            let stdout = std::fs::read_to_string(case.with_extension("stdout")).unwrap_or_default();
            stderr.contains(&format!("[{text}]")) || stdout.contains(&format!("\"{text}\""))
        });
        let Some(case) = example else {
            // A code only a live session gives is shown by what `tests/session.rs` renders, or
            // else by the report that shows it in a REPL transcript.
            let shows = |in_repl: bool| {
                session_outputs.iter().find(|(file, output)| {
                    output.contains(&format!("[{text}]")) && file.with_extension("in").exists() == in_repl
                })
            };
            let in_repl = shows(false).is_none();
            let rendered = shows(in_repl);
            if let Some((file, output)) = rendered {
                let relative = file.strip_prefix(&root).unwrap().display();
                if in_repl {
                    // A transcript of `tests/repl_transcripts.rs`: the report that shows the code.
                    let input = file.with_extension("in");
                    let input = input.strip_prefix(&root).unwrap().display();
                    doc.push_str(&format!(
                        "\nExample: what `pol repl` prints on standard error for a line of `tests/golden/{input}` (`tests/golden/{relative}`, from `tests/repl_transcripts.rs`).\n\n```text\n{}\n```\n",
                        report_with(output, text).trim_end()
                    ));
                    continue;
                }
                // Each folder of such outputs is written by the test file named after it.
                let folder = file.parent().unwrap().file_name().unwrap().to_string_lossy();
                doc.push_str(&format!(
                    "\nExample: what a `session::Workspace` reports, drawn as `pol` draws diagnostics (`tests/golden/{relative}`, from `tests/{folder}.rs`).\n\n```text\n{}\n```\n",
                    output.trim_end()
                ));
                continue;
            }
            let why = without_golden_example(text).unwrap_or("No golden case shows this code yet.");
            doc.push_str(&format!("\n{why}\n"));
            continue;
        };
        let relative = case.strip_prefix(&root).unwrap().display().to_string();
        let source = std::fs::read_to_string(case).unwrap();
        let command = command_for(case).unwrap_or_default().join(" ");
        let setup = setup_for(case);
        let after = if setup.is_empty() {
            String::new()
        } else {
            format!(" after `{}`", setup.join("; "))
        };
        doc.push_str(&format!(
            "\nExample: `tests/golden/{relative}`, run as `pol {command}`{after}.\n"
        ));
        if case.extension().is_some_and(|ext| ext == "pol") && source.lines().count() <= 40 {
            doc.push_str(&format!("\n```pol\n{}\n```\n", source.trim_end()));
        }
        let stderr = std::fs::read_to_string(case.with_extension("stderr")).unwrap_or_default();
        let output = if stderr.contains(&format!("[{text}]")) {
            stderr
        } else {
            std::fs::read_to_string(case.with_extension("stdout")).unwrap_or_default()
        };
        doc.push_str(&format!("\n```text\n{}\n```\n", output.trim_end()));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if bless {
        std::fs::write(&path, &doc).unwrap();
    } else if current != doc {
        return Err("docs/diagnostics.md is stale: run `POL_BLESS=1 cargo test --test golden`".into());
    }
    Ok(())
}
