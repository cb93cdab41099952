//! `pol fmt` and the printer behind it: every policy in the repository formats to text that reads
//! back as the same tree with the same comments, formatting is idempotent, `--check` and `--write`
//! behave, a failed `--write` leaves the original alone, and random trees survive printing.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use pol::source::{SourceId, SourceMap, Span};
use pol::syntax::ast::{
    BinaryOp, DataDecl, DecideDecl, DecimalLit, DefaultDecl, Effect, EnumDecl, ExpectDecl, Expected, Expr,
    ExprKind, FactDecl, FactField, FactPath, FactValue, FieldDecl, FnDecl, Header, HeaderKind, Ident, Item,
    LetDecl, Module, ObligationDecl, Param, Quantifier, RecordDecl, RuleClause, RuleDecl, SubjectRef,
    TestDecl, Text, TypeExpr, TypeKind, UseDecl, UseTarget,
};
use pol::syntax::print::print;
use pol::value::Date;
use proptest::prelude::*;

mod support;
use support::cli::{pol, scratch_dir};
use support::files_with;

// ---------------------------------------------------------------- helpers

fn parse(text: &str) -> Result<Module, String> {
    let mut sources = SourceMap::new();
    let id = sources.add("input.pol", text.to_owned());
    pol::syntax::parse(&sources, id).map_err(|diagnostics| format!("{diagnostics:?}"))
}

/// A `Debug` dump of a module's declarations with every span taken out, so two trees compare
/// equal when they differ only in where their nodes were written.
fn shape(module: &Module) -> String {
    let debug = format!("{:?}", (&module.header, &module.items));
    let mut out = String::new();
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find('}').unwrap();
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

fn comment_texts(module: &Module) -> Vec<String> {
    module
        .comments
        .iter()
        .map(|comment| comment.text.trim_end().to_owned())
        .collect()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const MESSY: &str = "policy   \"p\"\n// a rule\nrule r: permit { when 1+2>x // why\n}\n";
const TIDY: &str = "policy \"p\"\n\n// a rule\nrule r: permit {\n  when 1 + 2 > x // why\n}\n";
const BROKEN: &str = "policy \"p\"\nrule r permit {}\n";

// ---------------------------------------------------------------- the repository's policies

#[test]
fn every_policy_in_the_repository_formats_to_the_same_tree_idempotently_with_its_comments() {
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "bench", "tests/golden"] {
        files.extend(files_with(&repo().join(dir), &["pol"]));
    }
    let mut formatted = 0;
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text).to_owned();
        let Ok(module) = parse(&text) else { continue };
        let printed = print(&module, &text);
        let again = parse(&printed).unwrap_or_else(|error| {
            panic!(
                "{}: the formatted text does not parse: {error}\n{printed}",
                file.display()
            )
        });
        assert_eq!(
            shape(&again),
            shape(&module),
            "{}: formatting changed the tree",
            file.display()
        );
        assert_eq!(
            comment_texts(&again),
            comment_texts(&module),
            "{}: formatting lost or changed a comment",
            file.display()
        );
        assert_eq!(
            print(&again, &printed),
            printed,
            "{}: formatting is not idempotent",
            file.display()
        );
        formatted += 1;
    }
    assert!(formatted >= 40, "only {formatted} policies were formatted");
}

#[test]
fn formatted_examples_pass_check_through_the_binary() {
    let dir = scratch_dir("fmt-examples");
    for name in ["schema.pol", "three_principles.pol"] {
        let source = repo().join("examples/japan").join(name);
        let output = pol(&dir, &["fmt", source.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(dir.join(name), &output.stdout).unwrap();
    }
    let output = pol(&dir, &["fmt", "--check", "schema.pol", "three_principles.pol"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // The formatted policy still checks (it imports the formatted schema beside it).
    let output = pol(&dir, &["check", "three_principles.pol"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// ---------------------------------------------------------------- the command

#[test]
fn fmt_prints_the_formatted_text_and_leaves_the_file_alone() {
    let dir = scratch_dir("fmt-print");
    std::fs::write(dir.join("messy.pol"), MESSY).unwrap();
    let output = pol(&dir, &["fmt", "messy.pol"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), TIDY);
    assert_eq!(std::fs::read_to_string(dir.join("messy.pol")).unwrap(), MESSY);
    assert_eq!(listing(&dir), ["messy.pol"]);
}

#[test]
fn check_lists_the_files_that_would_change_and_exits_one() {
    let dir = scratch_dir("fmt-check");
    std::fs::write(dir.join("messy.pol"), MESSY).unwrap();
    std::fs::write(dir.join("tidy.pol"), TIDY).unwrap();
    let output = pol(&dir, &["fmt", "--check", "messy.pol", "tidy.pol"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "messy.pol\n");
    assert_eq!(std::fs::read_to_string(dir.join("messy.pol")).unwrap(), MESSY);
    let output = pol(&dir, &["fmt", "--check", "tidy.pol"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    assert_eq!(listing(&dir), ["messy.pol", "tidy.pol"]);
}

#[test]
fn write_rewrites_changed_files_keeping_permissions_and_never_touches_unchanged_ones() {
    let dir = scratch_dir("fmt-write");
    std::fs::write(dir.join("messy.pol"), MESSY).unwrap();
    std::fs::set_permissions(dir.join("messy.pol"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::write(dir.join("tidy.pol"), TIDY).unwrap();
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(dir.join("tidy.pol"))
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let output = pol(&dir, &["fmt", "--write", "messy.pol", "tidy.pol"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "messy.pol\n");
    assert_eq!(std::fs::read_to_string(dir.join("messy.pol")).unwrap(), TIDY);
    let mode = std::fs::metadata(dir.join("messy.pol"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    let modified = std::fs::metadata(dir.join("tidy.pol"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(modified, long_ago, "an unchanged file was written");
    assert_eq!(listing(&dir), ["messy.pol", "tidy.pol"]);
}

#[test]
fn a_file_with_syntax_errors_is_reported_and_never_written() {
    let dir = scratch_dir("fmt-broken");
    std::fs::write(dir.join("broken.pol"), BROKEN).unwrap();
    std::fs::write(dir.join("messy.pol"), MESSY).unwrap();
    let output = pol(&dir, &["fmt", "--write", "broken.pol", "messy.pol"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error[E0101]"), "{stderr}");
    assert!(stderr.contains("broken.pol:2:"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("broken.pol")).unwrap(), BROKEN);
    // The other file is still formatted.
    assert_eq!(std::fs::read_to_string(dir.join("messy.pol")).unwrap(), TIDY);
    for flags in [&["fmt", "broken.pol"][..], &["fmt", "--check", "broken.pol"][..]] {
        let output = pol(&dir, flags);
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_missing_file_or_several_files_without_a_flag_are_usage_errors() {
    let dir = scratch_dir("fmt-usage");
    let output = pol(&dir, &["fmt", "nowhere.pol"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[E0401]") && stderr.contains("nowhere.pol"),
        "{stderr}"
    );
    std::fs::write(dir.join("a.pol"), TIDY).unwrap();
    std::fs::write(dir.join("b.pol"), TIDY).unwrap();
    for (args, problem) in [
        (&["fmt", "a.pol", "b.pol"][..], "2 paths were given"),
        (&["fmt", "."][..], "`.` is a directory"),
    ] {
        let output = pol(&dir, args);
        assert_eq!(output.status.code(), Some(2));
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("[E0411]")
                && stderr.contains(&format!(
                    "without `--check` or `--write`, `pol fmt` prints one file, but {problem}"
                ))
                && stderr.contains("pass `--check`"),
            "{stderr}"
        );
    }
    let output = pol(&dir, &["fmt", "--check", "--write", "a.pol"]);
    assert_eq!(output.status.code(), Some(2));
    let output = pol(&dir, &["fmt", "--max-policy-bytes", "10", "a.pol"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("[E0409]"));
}

/// The failed `--write` leaves the original bytes and no temporary file. File-size limits apply
/// even to root (who ignores permissions), so the failure is forced with `ulimit -f 0`: writing
/// the temporary file then fails with "file too large" (the signal that would otherwise kill the
/// process is ignored, and an ignored signal stays ignored across `exec`).
#[test]
fn a_failed_write_leaves_the_original_untouched_and_no_temporary_file() {
    let dir = scratch_dir("fmt-failed-write");
    std::fs::write(dir.join("messy.pol"), MESSY).unwrap();
    let script = format!(
        "trap '' XFSZ; ulimit -f 0; exec '{}' fmt --write messy.pol",
        env!("CARGO_BIN_EXE_pol")
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[E0401]") && stderr.contains("cannot write `messy.pol`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.join("messy.pol")).unwrap(), MESSY.as_bytes());
    assert_eq!(listing(&dir), ["messy.pol"]);
}

/// In a folder nobody may write to, `--write` fails before touching anything. Root ignores the
/// folder's permissions, so when a probe file can still be created there, the write must succeed.
#[test]
fn write_in_a_read_only_folder_fails_cleanly_unless_permissions_are_bypassed() {
    let dir = scratch_dir("fmt-read-only");
    let folder = dir.join("locked");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("messy.pol"), MESSY).unwrap();
    std::fs::set_permissions(folder.join("messy.pol"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let bypassed = std::fs::write(folder.join("probe"), "").is_ok();
    let _ = std::fs::remove_file(folder.join("probe"));
    let output = pol(&dir, &["fmt", "--write", "locked/messy.pol"]);
    let after = std::fs::read(folder.join("messy.pol")).unwrap();
    let names = listing(&folder);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    if bypassed {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(after, TIDY.as_bytes());
        let mode = std::fs::metadata(folder.join("messy.pol"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    } else {
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("[E0401]"));
        assert_eq!(after, MESSY.as_bytes());
    }
    assert_eq!(names, ["messy.pol"]);
}

#[test]
fn write_through_a_symbolic_link_rewrites_the_file_it_points_to() {
    let dir = scratch_dir("fmt-symlink");
    std::fs::write(dir.join("real.pol"), MESSY).unwrap();
    std::os::unix::fs::symlink("real.pol", dir.join("link.pol")).unwrap();
    let output = pol(&dir, &["fmt", "--write", "link.pol"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        std::fs::symlink_metadata(dir.join("link.pol"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(dir.join("real.pol")).unwrap(), TIDY);
    assert_eq!(listing(&dir), ["link.pol", "real.pol"]);
}

#[test]
fn check_and_write_take_directories_and_several_files() {
    let dir = scratch_dir("fmt-directories");
    std::fs::create_dir_all(dir.join("policies/nested")).unwrap();
    std::fs::create_dir_all(dir.join("policies/.hidden")).unwrap();
    std::fs::write(dir.join("policies/messy.pol"), MESSY).unwrap();
    std::fs::write(dir.join("policies/tidy.pol"), TIDY).unwrap();
    std::fs::write(dir.join("policies/nested/deep.pol"), MESSY).unwrap();
    std::fs::write(dir.join("policies/.hidden/skipped.pol"), MESSY).unwrap();
    std::fs::write(dir.join("policies/notes.txt"), MESSY).unwrap();
    std::fs::write(dir.join("single.pol"), MESSY).unwrap();
    let output = pol(&dir, &["fmt", "--check", "policies", "single.pol"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "policies/messy.pol\npolicies/nested/deep.pol\nsingle.pol\n"
    );
    // A file named twice, directly and through its directory, is listed once.
    let output = pol(&dir, &["fmt", "--check", "policies/messy.pol", "policies"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "policies/messy.pol\npolicies/nested/deep.pol\n"
    );
    let output = pol(&dir, &["fmt", "--write", "."]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "./policies/messy.pol\n./policies/nested/deep.pol\n./single.pol\n"
    );
    for name in ["policies/messy.pol", "policies/nested/deep.pol", "single.pol"] {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), TIDY, "{name}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("policies/.hidden/skipped.pol")).unwrap(),
        MESSY
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("policies/notes.txt")).unwrap(),
        MESSY
    );
    let output = pol(&dir, &["fmt", "--check", "."]);
    assert_eq!(output.status.code(), Some(0));
    // A path that does not exist is reported; the others are still checked.
    std::fs::write(dir.join("single.pol"), MESSY).unwrap();
    let output = pol(&dir, &["fmt", "--check", "nowhere", "single.pol"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "single.pol\n");
    assert!(String::from_utf8_lossy(&output.stderr).contains("[E0401]"));
}

#[test]
fn a_read_only_file_is_refused_and_untouched_unless_forced() {
    let dir = scratch_dir("fmt-read-only-file");
    std::fs::write(dir.join("locked.pol"), MESSY).unwrap();
    std::fs::write(dir.join("open.pol"), MESSY).unwrap();
    std::fs::set_permissions(dir.join("locked.pol"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let output = pol(&dir, &["fmt", "--write", "locked.pol", "open.pol"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[E0418]") && stderr.contains("will not rewrite `locked.pol`: it is read-only"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "open.pol\n");
    assert_eq!(std::fs::read_to_string(dir.join("locked.pol")).unwrap(), MESSY);
    assert_eq!(std::fs::read_to_string(dir.join("open.pol")).unwrap(), TIDY);
    let output = pol(&dir, &["fmt", "--write", "--force", "locked.pol"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty());
    assert_eq!(std::fs::read_to_string(dir.join("locked.pol")).unwrap(), TIDY);
    let mode = std::fs::metadata(dir.join("locked.pol"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444, "the forced file stays read-only");
    assert_eq!(listing(&dir), ["locked.pol", "open.pol"]);
    // `--force` means nothing without `--write`.
    assert_eq!(
        pol(&dir, &["fmt", "--force", "locked.pol"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_hard_linked_file_is_refused_unless_forced_which_replaces_only_the_name_given() {
    let dir = scratch_dir("fmt-hard-link");
    std::fs::write(dir.join("policy.pol"), MESSY).unwrap();
    std::fs::hard_link(dir.join("policy.pol"), dir.join("other-name.pol")).unwrap();
    let output = pol(&dir, &["fmt", "--write", "policy.pol"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[E0418]") && stderr.contains("will not rewrite `policy.pol`: it has 2 hard links"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("policy.pol")).unwrap(), MESSY);
    assert_eq!(std::fs::metadata(dir.join("policy.pol")).unwrap().nlink(), 2);
    let output = pol(&dir, &["fmt", "--write", "--force", "policy.pol"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[W0005]") && stderr.contains("its other hard link keeps the old text"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("policy.pol")).unwrap(), TIDY);
    assert_eq!(
        std::fs::read_to_string(dir.join("other-name.pol")).unwrap(),
        MESSY
    );
    assert_eq!(listing(&dir), ["other-name.pol", "policy.pol"]);
}

/// The rewritten file keeps its owner and group. Only the superuser can give a file away, so
/// the file is given to another user when the test can do that; otherwise it stays the runner's.
#[test]
fn write_keeps_the_owner_and_group() {
    let dir = scratch_dir("fmt-owner");
    let file = dir.join("owned.pol");
    std::fs::write(&file, MESSY).unwrap();
    let given_away = std::os::unix::fs::chown(&file, Some(4321), Some(4321)).is_ok();
    let before = std::fs::metadata(&file).unwrap();
    let output = pol(&dir, &["fmt", "--write", "owned.pol"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), TIDY);
    assert_ne!(after.ino(), before.ino(), "the file was not replaced");
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    if given_away {
        assert_eq!((after.uid(), after.gid()), (4321, 4321));
    }
}

/// Another user's file, in a folder the runner may write to, is refused: the new file could not
/// be given that owner. Running `pol` as another user takes the superuser (and `setpriv`), so
/// elsewhere this test checks nothing.
#[test]
fn another_users_file_is_refused_unless_forced() {
    let dir = scratch_dir("fmt-other-owner");
    if std::fs::metadata(&dir).unwrap().uid() != 0 {
        return;
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::write(dir.join("theirs.pol"), MESSY).unwrap();
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_pol"))
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
    };
    let Ok(output) = as_nobody(&["fmt", "--write", "theirs.pol"]) else {
        return;
    };
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[E0418]") && stderr.contains("belongs to another user"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("theirs.pol")).unwrap(), MESSY);
    assert_eq!(listing(&dir), ["theirs.pol"]);
    let output = as_nobody(&["fmt", "--write", "--force", "theirs.pol"]).unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[W0005]") && stderr.contains("it now belongs to the user who ran `pol`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("theirs.pol")).unwrap(), TIDY);
    assert_eq!(std::fs::metadata(dir.join("theirs.pol")).unwrap().uid(), 65534);
}

// ---------------------------------------------------------------- the printer on random trees

fn span() -> Span {
    Span::new(SourceId(0), 0, 0)
}

/// Names, some long enough that conditions and lists exceed the width of a line and break.
fn ident() -> impl Strategy<Value = Ident> {
    prop::sample::select(vec![
        "a",
        "b",
        "x",
        "size",
        "t",
        "item",
        "when",
        "key",
        "_n2",
        "destination_country_under_embargo",
        "licensed_from_the_original_manufacturer",
    ])
    .prop_map(|name| Ident {
        name: name.to_owned(),
        span: span(),
    })
}

fn idents(min: usize) -> impl Strategy<Value = Vec<Ident>> {
    prop::collection::vec(ident(), min..min + 3)
}

fn text() -> impl Strategy<Value = Text> {
    "[a-z \"\\\\\n\t\r{}/é\u{7f}]{0,8}".prop_map(|value| Text { value, span: span() })
}

fn date() -> impl Strategy<Value = Date> {
    (1i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(year, month, day)| Date::from_ymd(year, month, day).unwrap())
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..1000, Just(i64::MAX)]
}

fn expr_of(kind: ExprKind) -> Expr {
    Expr { kind, span: span() }
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    prop::sample::select(vec![
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::In,
        BinaryOp::NotIn,
        BinaryOp::Subset,
        BinaryOp::Union,
        BinaryOp::Without,
        BinaryOp::Intersect,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
    ])
}

/// A decimal literal as lowering gives it: normalised, no trailing zero after the point.
fn decimal(min: i64) -> impl Strategy<Value = DecimalLit> {
    (min..i64::MAX, 0u32..8).prop_map(|(mut mantissa, mut scale)| {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        DecimalLit {
            mantissa: i128::from(mantissa),
            scale,
        }
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(ExprKind::Bool),
        int().prop_map(ExprKind::Int),
        decimal(0).prop_map(ExprKind::Decimal),
        text().prop_map(|text| ExprKind::Text(text.value)),
        date().prop_map(ExprKind::Date),
        Just(ExprKind::None),
        ident().prop_map(ExprKind::Name),
        (ident(), text()).prop_map(|(record, key)| ExprKind::KeyRef(Box::new((record, key)))),
    ]
    .prop_map(expr_of);
    leaf.prop_recursive(5, 48, 3, |inner| {
        let boxed = inner.clone().prop_map(Box::new);
        prop_oneof![
            (boxed.clone(), ident()).prop_map(|(base, field)| ExprKind::Field(base, field)),
            (ident(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(function, args)| ExprKind::Call(Box::new((function, args)))),
            (ident(), prop::collection::vec(inner.clone(), 1..3))
                .prop_map(|(record, keys)| ExprKind::Lookup(Box::new((record, keys)))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(ExprKind::Set),
            boxed.clone().prop_map(ExprKind::Not),
            boxed.clone().prop_map(ExprKind::Neg),
            boxed.clone().prop_map(ExprKind::IsSome),
            boxed.clone().prop_map(ExprKind::IsNone),
            (binary_op(), boxed.clone(), boxed.clone())
                .prop_map(|(op, left, right)| ExprKind::Binary(op, left, right)),
            (
                prop::sample::select(vec![Quantifier::Any, Quantifier::All]),
                ident(),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(quantifier, var, set, body)| ExprKind::Quantified(
                    quantifier,
                    Box::new((var, set, body))
                )),
            (boxed.clone(), boxed.clone(), boxed)
                .prop_map(|(condition, then, otherwise)| ExprKind::If(condition, then, otherwise)),
        ]
        .prop_map(expr_of)
    })
}

/// The text of a condition of comparisons joined by `and` and `or`, every `and` and `or` under
/// the other in parentheses.
fn condition() -> impl Strategy<Value = String> {
    let comparison = (
        ident(),
        ident(),
        prop::sample::select(vec!["==", "!=", "in", "<"]),
    )
        .prop_map(|(left, right, op)| format!("t.{} {op} {}", left.name, right.name));
    comparison.prop_recursive(4, 24, 4, |inner| {
        (prop::collection::vec(inner, 2..5), any::<bool>()).prop_map(|(operands, or)| {
            let (op, other) = if or { (" or ", " and ") } else { (" and ", " or ") };
            let operands: Vec<String> = operands
                .into_iter()
                .map(|operand| {
                    if operand.contains(other) || operand.contains(op) {
                        format!("({operand})")
                    } else {
                        operand
                    }
                })
                .collect();
            operands.join(op)
        })
    })
}

fn type_expr() -> impl Strategy<Value = TypeExpr> {
    let leaf = (
        prop::sample::select(vec!["Int", "Text", "Date", "Bool", "Country", "Set", "Lists"]),
        any::<bool>(),
    )
        .prop_map(|(name, optional)| TypeExpr {
            kind: TypeKind::Named(Ident {
                name: name.to_owned(),
                span: span(),
            }),
            optional,
            span: span(),
        });
    leaf.prop_recursive(3, 6, 1, |inner| {
        (inner, any::<bool>(), any::<bool>()).prop_map(|(element, set, optional)| TypeExpr {
            kind: if set {
                TypeKind::Set(Box::new(element))
            } else {
                TypeKind::List(Box::new(element))
            },
            optional,
            span: span(),
        })
    })
}

fn effect() -> impl Strategy<Value = Effect> {
    prop::sample::select(vec![Effect::Permit, Effect::Deny])
}

fn rule_clause() -> impl Strategy<Value = RuleClause> {
    prop_oneof![
        expr().prop_map(RuleClause::When),
        expr().prop_map(RuleClause::Unless),
        text().prop_map(RuleClause::Because),
        text().prop_map(RuleClause::Cite),
        idents(1).prop_map(|names| RuleClause::Oblige(names, span())),
        date().prop_map(|date| RuleClause::Effective(date, span())),
        date().prop_map(|date| RuleClause::Until(date, span())),
        idents(1).prop_map(|names| RuleClause::ExceptionTo(names, span())),
    ]
}

fn fact_value() -> impl Strategy<Value = FactValue> {
    let leaf = prop_oneof![
        Just(FactValue::Unknown(span())),
        Just(FactValue::None(span())),
        any::<bool>().prop_map(|value| FactValue::Bool(value, span())),
        int().prop_map(|value| FactValue::Int(value, span())),
        (i64::MIN..0).prop_map(|value| FactValue::Int(value, span())),
        decimal(i64::MIN + 1).prop_map(|value| FactValue::Decimal(value, span())),
        text().prop_map(FactValue::Text),
        date().prop_map(|date| FactValue::Date(date, span())),
        ident().prop_map(FactValue::Variant),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        let field = (ident(), inner.clone()).prop_map(|(name, value)| FactField {
            name,
            value,
            span: span(),
        });
        prop_oneof![
            prop::collection::vec(inner, 0..3).prop_map(|values| FactValue::Set(values, span())),
            (ident(), prop::collection::vec(field, 0..3)).prop_map(|(record, fields)| {
                FactValue::Record(Box::new(FactDecl {
                    record,
                    fields,
                    span: span(),
                }))
            }),
        ]
    })
}

fn subject_ref() -> impl Strategy<Value = SubjectRef> {
    prop_oneof![
        text().prop_map(SubjectRef::Key),
        any::<u32>().prop_map(|position| SubjectRef::Position(position, span())),
    ]
}

fn expect_decl() -> impl Strategy<Value = ExpectDecl> {
    let fact_path = (
        ident(),
        subject_ref(),
        ident(),
        prop::collection::vec(ident(), 0..3),
    )
        .prop_map(|(record, subject, field, nested)| FactPath {
            record,
            subject,
            field,
            nested,
            span: span(),
        });
    let expected = prop_oneof![
        (
            effect(),
            prop::collection::vec(ident(), 0..3),
            prop::option::of(idents(1))
        )
            .prop_map(|(effect, rules, obligations)| Expected::Decided {
                effect,
                rules,
                obligations
            }),
        prop::option::of(prop::collection::vec(fact_path, 1..3)).prop_map(Expected::Undecided),
    ];
    (subject_ref(), expected).prop_map(|(subject, expected)| ExpectDecl {
        subject,
        expected,
        span: span(),
    })
}

fn test_decl() -> impl Strategy<Value = TestDecl> {
    let field = (ident(), fact_value()).prop_map(|(name, value)| FactField {
        name,
        value,
        span: span(),
    });
    let fact = (ident(), prop::collection::vec(field, 0..3)).prop_map(|(record, fields)| FactDecl {
        record,
        fields,
        span: span(),
    });
    (
        text(),
        prop::option::of(date()),
        prop::collection::vec(fact, 0..3),
        prop::collection::vec(expect_decl(), 0..3),
    )
        .prop_map(|(name, as_of, facts, expects)| TestDecl {
            name,
            as_of: as_of.map(|date| (date, span())),
            facts,
            expects,
            span: span(),
        })
}

fn item() -> impl Strategy<Value = Item> {
    let field = (ident(), type_expr()).prop_map(|(name, ty)| FieldDecl {
        name,
        ty,
        span: span(),
    });
    let param = (ident(), type_expr()).prop_map(|(name, ty)| Param {
        name,
        ty,
        span: span(),
    });
    prop_oneof![
        prop_oneof![
            idents(1).prop_map(UseTarget::Std),
            text().prop_map(UseTarget::File)
        ]
        .prop_map(|target| Item::Use(UseDecl { target, span: span() })),
        (ident(), idents(1)).prop_map(|(name, variants)| Item::Enum(EnumDecl {
            name,
            variants,
            span: span()
        })),
        (
            ident(),
            prop::option::of((ident(), prop::option::of(ident()))),
            prop::collection::vec(ident(), 0..4),
            prop::collection::vec(field, 0..4)
        )
            .prop_map(|(name, key, compound, fields)| {
                // Two fields or more make a compound key, which replaces a single key.
                let compound_key = if compound.len() >= 2 { compound } else { Vec::new() };
                let key = key.filter(|_| compound_key.is_empty());
                Item::Record(RecordDecl {
                    name,
                    alias: key.as_ref().and_then(|(_, alias)| alias.clone()),
                    key: key.map(|(key, _)| key),
                    compound_key,
                    fields,
                    span: span(),
                })
            }),
        (ident(), prop::option::of(type_expr()), expr()).prop_map(|(name, ty, value)| Item::Let(LetDecl {
            name,
            ty,
            value,
            span: span()
        })),
        (
            ident(),
            prop::collection::vec(param, 0..3),
            prop::option::of(type_expr()),
            expr()
        )
            .prop_map(|(name, params, result, body)| Item::Fn(FnDecl {
                name,
                params,
                result,
                body,
                span: span()
            })),
        (ident(), text()).prop_map(|(name, text)| Item::Obligation(ObligationDecl {
            name,
            text,
            span: span()
        })),
        (ident(), ident(), prop::option::of(expr())).prop_map(|(var, record, date)| Item::Decide(
            DecideDecl {
                var,
                record,
                date,
                span: span()
            }
        )),
        (effect(), prop::option::of(text()), prop::option::of(text())).prop_map(
            |(effect, reason, citation)| Item::Default(DefaultDecl {
                effect,
                reason,
                citation,
                span: span()
            })
        ),
        (ident(), effect(), prop::collection::vec(rule_clause(), 0..5)).prop_map(
            |(name, effect, clauses)| {
                Item::Rule(RuleDecl {
                    name,
                    effect,
                    effect_span: span(),
                    clauses,
                    span: span(),
                })
            }
        ),
        test_decl().prop_map(Item::Test),
        prop::collection::vec(
            (ident(), prop::collection::vec((ident(), fact_value()), 0..3)).prop_map(|(record, fields)| {
                FactDecl {
                    record,
                    fields: fields
                        .into_iter()
                        .map(|(name, value)| FactField {
                            name,
                            value,
                            span: span(),
                        })
                        .collect(),
                    span: span(),
                }
            }),
            0..3
        )
        .prop_map(|rows| Item::Data(DataDecl { rows, span: span() })),
    ]
}

fn module() -> impl Strategy<Value = Module> {
    (
        any::<bool>(),
        text(),
        prop::option::of(text()),
        prop::collection::vec(item(), 0..6),
    )
        .prop_map(|(policy, title, source, items)| Module {
            header: Header {
                kind: if policy {
                    HeaderKind::Policy
                } else {
                    HeaderKind::Module
                },
                title,
                source,
                span: span(),
            },
            items,
            comments: Vec::new(),
            span: span(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn printed_random_modules_parse_back_to_the_same_tree_and_print_the_same(module in module()) {
        let printed = print(&module, "");
        let again = parse(&printed).map_err(|error| TestCaseError::fail(format!("{error}\n{printed}")))?;
        prop_assert_eq!(shape(&again), shape(&module), "{}", printed);
        prop_assert_eq!(print(&again, &printed), printed);
    }

    /// Conditions written with parentheses around every `and` and `or`, on one long line: the
    /// formatted text reads back as the same tree, keeps the parentheses around a mixed
    /// `and`/`or`, stays within the width where it can, and formats to itself.
    #[test]
    fn long_conditions_with_parentheses_format_idempotently(condition in condition(), comment in any::<bool>()) {
        let comment = if comment { " // why" } else { "" };
        let text = format!("policy \"p\"\nrule r: permit {{\n  when {condition}{comment}\n  because \"b\"\n}}\n");
        let module = parse(&text).map_err(|error| TestCaseError::fail(format!("{error}\n{text}")))?;
        let printed = print(&module, &text);
        let again = parse(&printed).map_err(|error| TestCaseError::fail(format!("{error}\n{printed}")))?;
        prop_assert_eq!(shape(&again), shape(&module), "{}", printed);
        prop_assert_eq!(comment_texts(&again), comment_texts(&module), "{}", printed);
        prop_assert_eq!(print(&again, &printed), printed.clone());
        let mixed = ["or (", "and ("].iter().filter(|op| condition.contains(*op)).count();
        let kept = ["or (", "and ("].iter().filter(|op| printed.contains(*op)).count();
        prop_assert_eq!(kept, mixed, "{}", printed);
        for line in printed.lines() {
            // Only a line holding a single operand may stay too long; a comment after the code
            // does not count.
            let line = line.split(" //").next().unwrap_or(line);
            let words = line.split_whitespace().filter(|word| *word == "and" || *word == "or").count();
            prop_assert!(line.chars().count() <= 100 || words <= 1, "{}", printed);
        }
    }

    #[test]
    fn printed_random_expressions_parse_back_to_the_same_tree(value in expr()) {
        let module = Module {
            header: Header {
                kind: HeaderKind::Module,
                title: Text { value: "m".into(), span: span() },
                source: None,
                span: span(),
            },
            items: vec![Item::Let(LetDecl {
                name: Ident { name: "v".into(), span: span() },
                ty: None,
                value,
                span: span(),
            })],
            comments: Vec::new(),
            span: span(),
        };
        let printed = print(&module, "");
        let again = parse(&printed).map_err(|error| TestCaseError::fail(format!("{error}\n{printed}")))?;
        prop_assert_eq!(shape(&again), shape(&module), "{}", printed);
        prop_assert_eq!(print(&again, &printed), printed);
    }
}
