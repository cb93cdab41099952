//! Tests of a session over many edits: after any sequence of changes to a policy and to the
//! module it imports, every file's diagnostics are those of checking the texts from scratch.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;

const SCHEMA: &str = r#"module "Schema"

record Country key code {
  code: Text
  friendly: Bool
  agreement_since: Date?
}

record Transfer key id {
  id: Text
  destination: Country
  item: Item
  date: Date
}

record Item key id {
  id: Text
  lethal: Bool
  tags: Set<Text>
}
"#;

const POLICY: &str = r#"// A policy whose rules use the records of its import and its own definitions.
policy "Edits"
use "schema.pol"
use std.dates

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

obligation notify "tell the ministry"

let partners = {Country["US"], Country["GB"]}

fn agreed(c: Country, day: Date) -> Bool =
  c.agreement_since is some and since(day, c.agreement_since)

rule friendly: permit {
  when t.destination.friendly and agreed(t.destination, t.date)
  because "friendly countries with an agreement" // a comment with a { brace
  oblige notify
}

rule partner: permit {
  when t.destination in partners and not t.item.lethal
  because "partners, \"non-lethal\" items"
}

rule lethal: deny {
  when t.item.lethal and "arms" in t.item.tags
  because "no arms"
  exception to partner
}

test "a friend" {
  Country { code: "US", friendly: true, agreement_since: 2020-01-01 }
  Item { id: "i1", lethal: false, tags: {} }
  Transfer { id: "t1", destination: "US", item: "i1", date: 2024-01-01 }
  expect "t1" permit by friendly, partner oblige notify
}
"#;

fn path(name: &str) -> PathBuf {
    Path::new("/project").join(name)
}

/// A workspace with the schema and the policy open in an editor, as given.
fn opened<'fs>(files: &'fs MemoryFiles, schema: &str, policy: &str) -> Workspace<'fs> {
    let mut workspace = Workspace::new(files, Vec::new());
    workspace.set_text(&path("schema.pol"), schema);
    workspace.set_text(&path("policy.pol"), policy);
    workspace
}

/// The diagnostics of a file, each shown whole with its spans' texts named, so that two
/// sessions whose texts have other ids compare equal.
fn shown(workspace: &Workspace<'_>, name: &str) -> Vec<String> {
    workspace
        .diagnostics(&path(name))
        .iter()
        .map(|diagnostic| {
            let debug = format!("{diagnostic:?}");
            let mut named = String::new();
            let mut rest = debug.as_str();
            while let Some(at) = rest.find("SourceId(") {
                let after = &rest[at + "SourceId(".len()..];
                let close = after.find(')').expect("a SourceId's number is closed");
                let id = SourceId(after[..close].parse().expect("a SourceId holds a number"));
                named.push_str(&rest[..at]);
                named.push_str(&workspace.engine.sources.get(id).name);
                rest = &after[close + 1..];
            }
            named.push_str(rest);
            named
        })
        .collect()
}

/// Asserts that the session's diagnostics are those of a new session given the same texts.
fn assert_as_from_scratch(workspace: &Workspace<'_>, schema: &str, policy: &str) {
    let files = MemoryFiles::new();
    let fresh = opened(&files, schema, policy);
    for name in ["policy.pol", "schema.pol"] {
        assert_eq!(
            shown(workspace, name),
            shown(&fresh, name),
            "{name} after edits; schema:\n{schema}\npolicy:\n{policy}"
        );
    }
}

/// Applies edits to one of the two files in turn and compares with a fresh session each time.
fn check_edits(edits: &[(&str, &str, &str)]) {
    let files = MemoryFiles::new();
    let mut workspace = opened(&files, SCHEMA, POLICY);
    let (mut schema, mut policy) = (SCHEMA.to_string(), POLICY.to_string());
    for (name, from, to) in edits {
        let text = if *name == "schema.pol" {
            &mut schema
        } else {
            &mut policy
        };
        assert!(text.contains(from), "{from:?} is not in {name}");
        *text = text.replacen(from, to, 1);
        workspace.set_text(&path(name), text);
        assert_as_from_scratch(&workspace, &schema, &policy);
    }
}

#[test]
fn renaming_a_field_in_the_import_is_reported_where_rules_use_it_and_put_right() {
    check_edits(&[
        ("schema.pol", "  friendly: Bool", "  friendlyx: Bool"),
        ("schema.pol", "  friendlyx: Bool", "  friendly: Bool"),
    ]);
}

#[test]
fn changing_a_use_changes_what_the_rules_may_name() {
    check_edits(&[
        ("policy.pol", "use std.dates\n", "use std.countries\n"),
        ("policy.pol", "use std.countries\n", "use std.dates\n"),
        ("policy.pol", "use \"schema.pol\"\n", "use \"schema2.pol\"\n"),
        ("policy.pol", "use \"schema2.pol\"\n", "use \"schema.pol\"\n"),
    ]);
}

#[test]
fn splitting_and_merging_rules_gives_the_diagnostics_of_the_text_from_scratch() {
    check_edits(&[
        (
            "policy.pol",
            "  because \"friendly countries with an agreement\"",
            "}\n\nrule friendly2: permit {\n  because \"friendly countries with an agreement\"",
        ),
        ("policy.pol", "}\n\nrule partner: permit {\n", "\n"),
        (
            "policy.pol",
            "rule lethal: deny {",
            "rule lethal: deny {\n  when t.item.lethal\n}\n\nrule more: deny {",
        ),
    ]);
}

#[test]
fn an_edit_to_a_record_other_rules_depend_on_reaches_them() {
    check_edits(&[
        ("schema.pol", "  tags: Set<Text>\n", ""),
        (
            "schema.pol",
            "  lethal: Bool\n",
            "  lethal: Bool\n  tags: Set<Text>\n",
        ),
        (
            "policy.pol",
            "let partners = {Country[\"US\"], Country[\"GB\"]}",
            "let partners = {1}",
        ),
        ("policy.pol", "fn agreed(c: Country", "fn agreed(c: Item"),
    ]);
}

// ---------------------------------------------------------------- random edits

/// Texts an edit may insert: declaration keywords, brackets left open or closed, quotes,
/// comments, line breaks, whole declarations, names a rule uses.
const INSERTS: &[&str] = &[
    "",
    "",
    "x",
    " ",
    "\n",
    "\n\n",
    "// a note\n",
    "}",
    "{",
    "(",
    "\"",
    "//",
    "rule ",
    "\nrule r: permit when t.destination.friendly\n",
    "\nrule r: deny when t.destination.friendlyx\n",
    "use std.dates\n",
    "let y = 1\n",
    "fn agreed(c: Country) -> Bool = true\n",
    " and ",
    "é",
    "  lethal: Bool\n",
];

/// One edit: which file, where (a fraction of its text, moved to the start of its line or not),
/// how much it removes (bytes, or lines at a line's start) and what it inserts; or the file
/// put back as it was when it last parsed whole.
#[derive(Clone, Debug)]
struct Edit {
    schema: bool,
    at: f64,
    n_removed: usize,
    insert: usize,
    line_start: bool,
    undo: bool,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    (
        prop::bool::weighted(0.2),
        0.0..=1.0f64,
        prop_oneof![Just(0usize), 1..4usize, 1..120usize],
        0..INSERTS.len(),
        prop::bool::ANY,
        prop::bool::weighted(0.4),
    )
        .prop_map(|(schema, at, n_removed, insert, line_start, undo)| Edit {
            schema,
            at,
            n_removed,
            insert,
            line_start,
            undo,
        })
}

/// Applies an edit to a text, at character boundaries, as the parser's random edits are.
fn apply(text: &str, edit: &Edit) -> String {
    crate::syntax::tests_reparse::apply_edit(
        text,
        edit.at,
        edit.n_removed,
        edit.line_start,
        INSERTS[edit.insert],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// After each of many random edits to a policy and its import, the session reports what a
    /// new session given the same texts reports.
    #[test]
    fn any_sequence_of_edits_gives_the_diagnostics_of_checking_from_scratch(
        edits in prop::collection::vec(edit_strategy(), 1..16)
    ) {
        let files = MemoryFiles::new();
        let mut workspace = opened(&files, SCHEMA, POLICY);
        let mut texts = [SCHEMA.to_string(), POLICY.to_string()];
        let mut last_whole = texts.clone();
        for edit in edits {
            let idx = usize::from(!edit.schema);
            let name = ["schema.pol", "policy.pol"][idx];
            let new = if edit.undo { last_whole[idx].clone() } else { apply(&texts[idx], &edit) };
            texts[idx] = new;
            workspace.set_text(&path(name), &texts[idx]);
            let key = ModuleKey::File(path(name));
            if workspace.modules.get(&key).is_some_and(|entry| entry.parsed.pieces.is_some()) {
                last_whole[idx] = texts[idx].clone();
            }
            assert_as_from_scratch(&workspace, &texts[0], &texts[1]);
        }
    }
}
