//! Pictures of policies and derivations: the DOT that `pol graph` and `pol run --format dot`
//! write is read back by Graphviz's `dot` (when installed, as in CI) and checked for shape; the
//! pictures in `docs/pictures/` are what the generator makes today (`POL_BLESS=1` redraws
//! them); SVG without Graphviz, or with a Graphviz that fails, is a diagnostic.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::cli::{pol, pol_command, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("POL_BLESS").is_some()
}

/// Whether Graphviz's `dot` can be run here.
fn has_dot() -> bool {
    Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Runs `dot -Tsvg` on DOT text: its standard output, or why it failed.
fn draw(dot: &str) -> Result<String, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| error.to_string())?;
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let errors = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() && errors.trim().is_empty() {
        Ok(String::from_utf8(output.stdout).unwrap())
    } else {
        Err(format!("dot failed ({}): {errors}", output.status))
    }
}

/// A line of DOT with the contents of its strings taken out (`"…"` becomes `""`), so that
/// text in labels cannot pass for structure; `None` if a string is left open.
fn without_strings(line: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = line.chars();
    let mut open = false;
    while let Some(ch) = chars.next() {
        match (open, ch) {
            (true, '\\') => {
                chars.next()?;
            }
            (_, '"') => {
                open = !open;
                out.push('"');
            }
            (true, _) => {}
            (false, ch) => out.push(ch),
        }
    }
    (!open).then_some(out)
}

/// The names Graphviz gives the nodes, edges and boxes of a DOT text in the SVG it draws
/// (`<title>` elements), read from the DOT without Graphviz.
fn dot_titles(dot: &str) -> BTreeSet<String> {
    let mut titles = BTreeSet::new();
    for line in dot.lines().filter_map(without_strings) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["subgraph", name, "{"] => {
                titles.insert((*name).to_owned());
            }
            [from, "->", to, ..] => {
                titles.insert(format!("{from}&#45;&gt;{to}"));
            }
            [id, label, ..] if label.starts_with("[label=") => {
                titles.insert((*id).to_owned());
            }
            _ => {}
        }
    }
    titles
}

/// The `<title>` elements of an SVG drawn by Graphviz, but the graph's own.
fn svg_titles(svg: &str) -> BTreeSet<String> {
    svg.split("<title>")
        .skip(1)
        .map(|rest| rest.split("</title>").next().unwrap().to_owned())
        .filter(|title| title != "pol")
        .collect()
}

/// DOT text is well formed as Pol writes it: braces balance, every edge joins declared nodes,
/// every label is a closed string; and `dot` reads it without a warning when installed.
fn check_dot(name: &str, dot: &str) {
    assert!(
        dot.starts_with("digraph pol {\n") && dot.ends_with("}\n"),
        "{name}: {dot}"
    );
    let titles = dot_titles(dot);
    let mut depth = 0i32;
    for line in dot.lines() {
        let Some(structure) = without_strings(line) else {
            panic!("{name}: an unclosed string: {line}");
        };
        depth += structure.matches('{').count() as i32 - structure.matches('}').count() as i32;
        assert!(depth >= 0, "{name}: a brace closes nothing: {line}");
        if let [from, "->", to, ..] = structure.split_whitespace().collect::<Vec<_>>().as_slice() {
            assert!(
                titles.contains(*from) && titles.contains(*to),
                "{name}: an edge to an undeclared node: {line}"
            );
        }
    }
    assert_eq!(depth, 0, "{name}: unbalanced braces");
    if has_dot() {
        let svg = draw(dot).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(
            svg_titles(&svg),
            titles,
            "{name}: Graphviz drew other nodes than Pol wrote"
        );
    }
}

#[test]
fn dot_output_is_read_back_by_graphviz() {
    let golden = root().join("tests/golden/graph");
    let mut checked = 0;
    for name in ["small_dot.stdout", "derivation_dot.stdout"] {
        check_dot(name, &std::fs::read_to_string(golden.join(name)).unwrap());
        checked += 1;
    }
    // Hostile text in citations and names cannot break out of a label.
    let dir = support::cli::scratch_dir_with(
        "pictures",
        &[(
            "hostile.pol",
            "policy \"p\"\nrecord T key id {\n  id: Text\n}\ndecide t: T\ndefault deny\nrule r: permit {\n  when t.id == \"a\\\"; x -> y [label=\\\"\"\n  cite \"art. 1 \\\\ \\\"quoted\\\" } { -> <b>\"\n}\n",
        )],
    );
    let output = pol(&dir, &["graph", "hostile.pol", "--format", "dot"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    check_dot("hostile.pol", &stdout(&output));
    assert_eq!(checked, 2);
}

/// The pictures of `docs/pictures/`: what is drawn, how, and the file names.
fn doc_pictures() -> Vec<(&'static str, Vec<&'static str>)> {
    let japan = "examples/japan/three_principles.pol";
    let cases = "examples/japan/cases.json";
    vec![
        ("japan_policy.dot", vec!["graph", japan, "--format", "dot"]),
        ("japan_policy.mmd", vec!["graph", japan, "--format", "mermaid"]),
        (
            "japan_gcap_ae.dot",
            vec![
                "run",
                japan,
                "--facts",
                cases,
                "--format",
                "dot",
                "--subject",
                "gcap-ae",
            ],
        ),
        (
            "japan_gcap_ae.mmd",
            vec![
                "run",
                japan,
                "--facts",
                cases,
                "--format",
                "mermaid",
                "--subject",
                "gcap-ae",
            ],
        ),
    ]
}

#[test]
fn pictures_in_the_docs_are_up_to_date() {
    let dir = root().join("docs/pictures");
    let mut stale = Vec::new();
    for (name, args) in doc_pictures() {
        let output = pol(root(), &args);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        let text = stdout(&output);
        let path = dir.join(name);
        if bless() {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
        if name.ends_with(".dot") {
            check_dot(name, &text);
            let svg_path: PathBuf = path.with_extension("svg");
            if bless() {
                std::fs::write(&svg_path, draw(&text).unwrap()).unwrap();
            }
            let svg = std::fs::read_to_string(&svg_path).unwrap_or_default();
            // Graphviz versions draw differently; the SVG must at least be drawn from this DOT.
            if svg_titles(&svg) != dot_titles(&text) {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale pictures in docs/pictures (POL_BLESS=1 cargo test --test covgraph_pictures redraws them): {stale:?}"
    );
}

/// What `pol graph --format svg` prints on standard error with `POL_DOT` naming `dot`,
/// compared with `tests/golden/covgraph_pictures/NAME.stderr`.
fn check_svg_failure(name: &str, dot: &str) {
    let output = pol_command(
        &root().join("tests/golden/graph"),
        &["graph", "small.pol", "--format", "svg", "--diagnostics", "plain"],
    )
    .env("POL_DOT", dot)
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "", "no SVG is written when Graphviz fails");
    let path = root().join(format!("tests/golden/covgraph_pictures/{name}.stderr"));
    let actual = stderr(&output);
    if bless() {
        std::fs::write(&path, &actual).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), actual);
}

#[test]
fn svg_without_graphviz_is_a_diagnostic() {
    check_svg_failure("no_graphviz", "/nonexistent/dot");
}

#[test]
fn svg_from_a_failing_graphviz_is_a_diagnostic() {
    check_svg_failure("graphviz_fails", "false");
}

#[test]
fn svg_is_drawn_by_graphviz_when_installed() {
    if !has_dot() {
        return;
    }
    let output = pol(
        &root().join("tests/golden/graph"),
        &["graph", "small.pol", "--format", "svg"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = stdout(&output);
    assert!(svg.contains("<svg") && svg.contains("humanitarian"), "{svg}");
}
