//! Neovim with `editors/neovim` on its runtime path, headless, as a person would use it: its
//! built-in LSP client starts the built `pol lsp`, receives a diagnostic, sees it cleared once
//! fixed and goes to definitions; the bundled policies are detected as Pol, highlight with no
//! error and keep their indentation under `=`. Needs `nvim` (`.ci/run` installs it; outside CI
//! a missing one skips the tests).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod support;
use support::cli::{WATCHDOG, scratch_dir, scratch_dir_with, write};
use support::engine::repo_text;
use support::files_with;

/// The `nvim` on `PATH`; `None` skips the test on a developer's machine, while under CI
/// (`CI=true`) a missing `nvim` fails it.
fn nvim() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("nvim"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nvim is missing: `.ci/run` installs Debian's `neovim`"
        );
        eprintln!("skipped: nvim is not installed (Debian's `neovim` package)");
    }
    found
}

/// How Neovim is set up before it opens a file.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Setup {
    /// `editors/neovim` on the runtime path: filetype, highlighting, indentation.
    Runtime,
    /// That, and `require("pol").setup` with the built `pol` as the language server.
    Lsp,
}

/// Runs Neovim headless in `dir/cwd` on `args`, set up as `setup` says, with the Lua script
/// `driver` (in `tests/editors/`) run once the file is open; `env` reaches the script. Neovim's
/// and Pol's files (logs, caches) go under `dir`. What the script wrote to `$POL_TEST_OUT`, a
/// line per fact. Neovim is killed and the test fails past the watchdog.
fn run_nvim(
    nvim: &Path,
    dir: &Path,
    cwd: &str,
    setup: Setup,
    driver: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runtime = root.join("editors/neovim");
    let mut init = format!("vim.opt.runtimepath:prepend({:?})\n", runtime.to_str().unwrap());
    if setup == Setup::Lsp {
        init += &format!(
            "require(\"pol\").setup({{ cmd = {{ {:?}, \"lsp\" }} }})\n",
            env!("CARGO_BIN_EXE_pol")
        );
    }
    std::fs::write(dir.join("init.lua"), init).unwrap();
    let out = dir.join("out.txt");
    let script = root.join("tests/editors").join(driver);
    let mut command = Command::new(nvim);
    command
        .current_dir(dir.join(cwd))
        .args([
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            dir.join("init.lua").to_str().unwrap(),
            "-c",
            "syntax on",
        ])
        .args(args)
        .args(["-c", &format!("luafile {}", script.display())])
        .env("POL_TEST_OUT", &out)
        // Neovim's files (the LSP log, state) and the stdlib copies of `pol lsp` go into the
        // test's folder, not the home.
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > WATCHDOG {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("nvim still running after {WATCHDOG:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let errors = reader.join().unwrap();
    let written = std::fs::read_to_string(&out).unwrap_or_else(|error| {
        panic!(
            "nvim ({status}) wrote no results to {}: {error}\n{errors}",
            out.display()
        )
    });
    let lines: Vec<String> = written.lines().map(str::to_owned).collect();
    assert!(
        !lines.iter().any(|line| line.starts_with("error ")),
        "the Neovim script failed:\n{written}\n{errors}"
    );
    lines
}

const SCHEMA: &str = r#"module "schema"

record Country key code {
  code: Text
  party_to_conflict: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}
"#;

/// A policy with a misspelt field, after text outside ASCII on the same line, so that the
/// column only comes out right if server and client count it in the same units.
const POLICY: &str = r#"// A policy with an error.
policy "Transfers"

use "schema.pol"
use std.dates

decide t: Transfer
default deny

rule conflict: deny {
  when t.destination.code != "防衛 é 🛰" and t.destination.party_to_conflit
}

rule grace: permit {
  when within_days(t.date, 2024-01-01, 90)
}
"#;

#[test]
fn neovim_receives_the_diagnostic_sees_it_cleared_and_goes_to_definitions() {
    let Some(nvim) = nvim() else { return };
    let dir = scratch_dir("editors-neovim-lsp");
    let project = dir.join("project");
    std::fs::create_dir(&project).unwrap();
    write(&project, "schema.pol", SCHEMA);
    write(&project, "policy.pol", POLICY);
    // The project's root: its workspace folder is this one, not the repository.
    std::fs::create_dir(project.join(".git")).unwrap();
    let got = run_nvim(
        &nvim,
        &dir,
        "project",
        Setup::Lsp,
        "neovim_lsp.lua",
        &["policy.pol"],
        &[],
    );

    let (row, line) = POLICY
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains("party_to_conflit"))
        .unwrap();
    // Neovim counts columns in bytes: the server's UTF-16 units, converted by the client.
    let col = line.find("party_to_conflit").unwrap();
    let end = col + "party_to_conflit".len();
    let [attached, diagnostic, rest @ ..] = got.as_slice() else {
        panic!("too little came back: {got:#?}")
    };
    assert_eq!(attached, "attached true");
    let message =
        format!("diagnostic E0203 {row} {col} {row} {end} `Country` has no field `party_to_conflit`");
    assert!(
        diagnostic.starts_with(&message),
        "{diagnostic}\nexpected: {message}…"
    );
    assert!(
        diagnostic.contains("a similar name exists: `party_to_conflict`"),
        "the help of `pol check` comes with it: {diagnostic}"
    );
    // `fn within_days` in the stdlib's copy of `std.dates`, which is not to be edited.
    let dates = repo_text("stdlib/dates.pol");
    let (fn_row, fn_line) = dates
        .lines()
        .enumerate()
        .find(|(_, line)| line.starts_with("fn within_days("))
        .unwrap();
    let within_days = format!(
        "definition dates.pol {} {} not-modifiable",
        fn_row + 1,
        fn_line.find("within_days").unwrap()
    );
    let expected = [
        "cleared true",
        // `record Transfer` in the schema: row 8 counted from 1, `Transfer` at byte 7.
        "definition schema.pol 8 7",
        &within_days,
        "servers 1 attached to the stdlib's buffer: 1",
    ];
    assert_eq!(rest, expected, "what Neovim received after the diagnostic");
}

#[test]
fn neovim_highlights_and_indents_the_bundled_policies_as_pol_fmt_writes_them() {
    let Some(nvim) = nvim() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "bench"] {
        files.extend(files_with(&root.join(dir), &["pol"]));
    }
    // What `pol fmt` printed in its golden cases is canonical too.
    files.extend(files_with(&root.join("tests/golden/fmt"), &["stdout"]));
    assert!(files.len() >= 8, "too few policies found: {files:?}");
    let names: Vec<&str> = files.iter().map(|path| path.to_str().unwrap()).collect();

    let dir = scratch_dir_with("editors-neovim-files", &[("probe.pol", PROBE)]);
    let ask: Vec<String> = PROBE_GROUPS
        .iter()
        .map(|(word, _)| {
            let (row, line) = PROBE
                .lines()
                .enumerate()
                .find(|(_, line)| line.contains(word))
                .unwrap();
            format!("{}:{}", row + 1, line.find(word).unwrap() + 1)
        })
        .collect();
    let got = run_nvim(
        &nvim,
        &dir,
        ".",
        Setup::Runtime,
        "neovim_files.lua",
        &[],
        &[
            ("POL_TEST_FILES", &names.join("\n")),
            ("POL_TEST_PROBE", "probe.pol"),
            ("POL_TEST_ASK", &ask.join("\n")),
        ],
    );

    let problems: Vec<&String> = got
        .iter()
        .filter(|line| line.starts_with("invalid ") || line.starts_with("reindented "))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    for (path, name) in files.iter().zip(&names) {
        let file = path.file_name().unwrap().to_str().unwrap();
        let detected = if name.ends_with(".pol") { "pol" } else { "" };
        let line = format!("file {file} {detected} ");
        assert!(
            got.iter().any(|got| got.starts_with(&line)),
            "{file}: not detected as Pol: {got:#?}"
        );
    }
    assert!(
        got.iter().any(|line| line == "file dates.pol pol // %s"),
        "a policy's comments are `//`: {got:#?}"
    );
    let groups: Vec<String> = got
        .iter()
        .filter_map(|line| line.strip_prefix("group "))
        .map(|line| line.split_once(' ').unwrap().1.to_string())
        .collect();
    let expected: Vec<String> = PROBE_GROUPS.iter().map(|(_, group)| group.to_string()).collect();
    let words: Vec<&str> = PROBE_GROUPS.iter().map(|(word, _)| *word).collect();
    assert_eq!(groups, expected, "highlight groups at {words:?}");
}

/// A policy whose words are looked up in [`PROBE_GROUPS`].
const PROBE: &str = r#"policy "probe"
source "a source"

record Shipment key id {
  id: Text
  to: Country
  key: Set<Text>
}

rule ban: deny {
  when t.to in {"XA"} && flag
  unless t.shipped_on < 2024-04-01
  because "banned \u{2014} since 2024"
  cite "Art. 1(3)"
  effective 2014-04-01
  exception to other_rule
}
"#;

/// Words of [`PROBE`] (each at its first occurrence) and the highlight group Neovim gives them.
const PROBE_GROUPS: &[(&str, &str)] = &[
    ("policy", "polHeader"),
    ("source", "polHeader"),
    ("record", "polStructure"),
    ("Shipment", "polTypeName"),
    ("Text", "polBuiltinType"),
    ("Country", "polType"),
    ("rule", "polDeclaration"),
    ("ban", "polRuleName"),
    ("deny", "polDeny"),
    ("when", "polCondition"),
    ("to in", "polField"),
    ("&&", "polError"),
    ("unless", "polCondition"),
    ("2024-04-01", "polDate"),
    ("because", "polClause"),
    ("\"banned", "polReason"),
    ("\\u{2014}", "polEscape"),
    ("cite", "polClause"),
    ("\"Art", "polCitation"),
    ("effective", "polClause"),
    ("other_rule", "polRuleRef"),
];
