//! The tree-sitter grammar of `editors/tree-sitter-pol` keeps up with the language: its
//! generated parser is the one `grammar.js` gives, its corpus tests pass, its queries compile,
//! and every policy of the repository that Pol parses, tree-sitter parses with no error node.
//! Needs the `tree-sitter` command (tree-sitter-cli 0.27.1 from crates.io, which `.ci/run`
//! installs under CI) and Node.js for `tree-sitter generate`; outside CI a missing one skips the
//! tests.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::cli::scratch_dir;
use support::files_with;

/// The grammar's folder.
fn grammar_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/tree-sitter-pol")
}

/// The first of `names` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// The `tree-sitter` command; `None` skips the test on a developer's machine, while under CI
/// (`CI=true`) a missing one fails it.
fn tree_sitter() -> Option<PathBuf> {
    let found = on_path("tree-sitter");
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tree-sitter is missing: `.ci/run` installs tree-sitter-cli 0.27.1"
        );
        eprintln!(
            "skipped: tree-sitter is not installed (cargo install tree-sitter-cli --version 0.27.1 --locked)"
        );
    }
    found
}

/// Runs `tree-sitter ARGS` in `dir`, its caches and configuration under `home` so the test
/// writes nothing outside its scratch folder.
fn run(tree_sitter: &Path, dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(tree_sitter)
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TREE_SITTER_DIR", home.join("tree-sitter"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Both streams of a run, for a failure message.
fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_committed_parser_is_generated_from_grammar_js() {
    let Some(tree_sitter) = tree_sitter() else { return };
    if on_path("node").is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "node is missing: `.ci/run` installs npm, which brings Node.js"
        );
        eprintln!("skipped: node is not installed (tree-sitter generate runs grammar.js on it)");
        return;
    }
    let scratch = scratch_dir("tree-sitter-generate");
    let copy = scratch.join("grammar");
    std::fs::create_dir_all(&copy).unwrap();
    for file in ["grammar.js", "tree-sitter.json"] {
        std::fs::copy(grammar_dir().join(file), copy.join(file)).unwrap();
    }
    let output = run(&tree_sitter, &copy, &scratch, &["generate"]);
    assert!(
        output.status.success(),
        "tree-sitter generate failed:\n{}",
        printed(&output)
    );
    for file in ["src/parser.c", "src/grammar.json", "src/node-types.json"] {
        let generated = std::fs::read_to_string(copy.join(file)).unwrap();
        let committed = std::fs::read_to_string(grammar_dir().join(file)).unwrap();
        assert!(
            generated == committed,
            "editors/tree-sitter-pol/{file} is not what grammar.js gives: run `tree-sitter generate` in editors/tree-sitter-pol and commit the result"
        );
    }
}

#[test]
fn the_corpus_tests_pass_and_the_queries_compile() {
    let Some(tree_sitter) = tree_sitter() else { return };
    let scratch = scratch_dir("tree-sitter-test");
    let output = run(&tree_sitter, &grammar_dir(), &scratch, &["test"]);
    assert!(
        output.status.success(),
        "tree-sitter test failed:\n{}",
        printed(&output)
    );
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/japan/three_principles.pol");
    for query in ["queries/highlights.scm", "queries/folds.scm"] {
        let output = run(
            &tree_sitter,
            &grammar_dir(),
            &scratch,
            &["query", "--quiet", query, sample.to_str().unwrap()],
        );
        assert!(
            output.status.success(),
            "{query} does not compile:\n{}",
            printed(&output)
        );
    }
}

#[test]
fn every_policy_pol_parses_tree_sitter_parses_without_error() {
    let Some(tree_sitter) = tree_sitter() else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut policies = Vec::new();
    for dir in ["examples", "stdlib", "tests/golden", "bench", "editors", "docs"] {
        if root.join(dir).is_dir() {
            policies.extend(files_with(&root.join(dir), &["pol"]));
        }
    }
    let parsed: Vec<PathBuf> = policies
        .into_iter()
        .filter(|path| !path.components().any(|part| part.as_os_str() == "node_modules"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let mut sources = pol::source::SourceMap::new();
            let id = sources.add(path.display().to_string(), text);
            pol::syntax::parse(&sources, id).is_ok()
        })
        .collect();
    assert!(parsed.len() >= 150, "too few policies found: {}", parsed.len());
    let scratch = scratch_dir("tree-sitter-parse");
    let mut args = vec!["parse", "--quiet"];
    args.extend(parsed.iter().map(|path| path.to_str().unwrap()));
    let output = run(&tree_sitter, &grammar_dir(), &scratch, &args);
    assert!(
        output.status.success(),
        "tree-sitter finds errors in policies Pol parses:\n{}",
        printed(&output)
    );
}
