//! The directory walk that `pol check`, `pol test` and `pol fmt` share: each real file once,
//! symbolic links to folders not followed (so link loops end), folders marked `.polskip`
//! skipped, and `pol test` and `pol check` at the repository's root passing.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::cli::{Pol, WATCHDOG, scratch_dir, stderr, stdout};

const GOOD: &str = r#"policy "Good"

record Transfer key id {
  id: Text
}

decide t: Transfer
default deny because "nothing permits it"

rule listed: permit {
  when t.id == "ok"
  because "listed"
}

test "a listed transfer is permitted" {
  Transfer { id: "ok" }
  expect "ok" permit by listed
}
"#;

const BAD: &str = "policy \"Bad\"\nrule r: permit { when nope }\n";

/// Runs `pol` under the [`WATCHDOG`]: a walk that follows a link loop never ends.
fn pol(dir: &Path, args: &[&str]) -> Output {
    Pol::new(dir, args).time_limit(WATCHDOG).output()
}

/// A folder with one good and one bad policy, and `links/` holding links back up the tree.
fn tree_with_link_loops() -> PathBuf {
    let dir = scratch_dir("cli-walk");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("links")).unwrap();
    std::fs::write(tree.join("good.pol"), GOOD).unwrap();
    std::fs::write(tree.join("bad.pol"), BAD).unwrap();
    std::os::unix::fs::symlink("..", tree.join("links/up")).unwrap();
    std::os::unix::fs::symlink("../..", tree.join("links/up_two")).unwrap();
    std::os::unix::fs::symlink("../good.pol", tree.join("links/good_again.pol")).unwrap();
    dir
}

#[test]
fn check_ends_on_link_loops_and_reports_each_error_once() {
    let dir = tree_with_link_loops();
    let output = pol(&dir, &["check", "tree"]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("error[E0201]").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("warning[W0006]").count(), 2, "{stderr}");
    assert!(
        stderr.contains("`tree/links/up` is a symbolic link to a folder"),
        "{stderr}"
    );
    assert!(stderr.contains("2 errors, 2 warnings"), "{stderr}");
}

#[test]
fn test_runs_each_real_file_once_through_links() {
    let dir = tree_with_link_loops();
    std::fs::remove_file(dir.join("tree/bad.pol")).unwrap();
    let output = pol(&dir, &["test", "tree"]);
    let stdout = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", stderr(&output));
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    // The file is listed under the name it is first reached by, in sorted order.
    assert!(stdout.contains("tree/good.pol\n") || stdout.contains("tree/links/good_again.pol\n"));
}

#[test]
fn a_folder_named_twice_or_through_a_link_is_checked_once() {
    let dir = scratch_dir("cli-walk");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/bad.pol"), BAD).unwrap();
    std::os::unix::fs::symlink("policies", dir.join("alias")).unwrap();
    let output = pol(
        &dir,
        &["check", "policies", "alias", "policies/bad.pol", "alias/"],
    );
    let stderr = stderr(&output);
    assert_eq!(stderr.matches("error[E0201]").count(), 1, "{stderr}");
}

#[test]
fn a_folder_marked_polskip_is_not_searched_unless_named() {
    let dir = scratch_dir("cli-walk");
    std::fs::create_dir_all(dir.join("fixtures")).unwrap();
    std::fs::write(dir.join("good.pol"), GOOD).unwrap();
    std::fs::write(dir.join("fixtures/bad.pol"), BAD).unwrap();
    std::fs::write(dir.join("fixtures/.polskip"), "").unwrap();
    let output = pol(&dir, &["check", "."]);
    let checked = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{checked}");
    assert!(
        checked.contains("no problems found in 1 file(s); skipped `./fixtures`, marked `.polskip`"),
        "{checked}"
    );
    let tested = pol(&dir, &[]);
    assert_eq!(tested.status.code(), Some(2), "no command is a usage error");
    let tested = pol(&dir, &["test"]);
    assert_eq!(tested.status.code(), Some(0), "{}", stderr(&tested));
    let named = pol(&dir, &["check", "fixtures"]);
    assert_eq!(
        named.status.code(),
        Some(1),
        "a folder named on the command line is searched"
    );
}

#[test]
fn test_and_check_pass_at_the_root_of_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tested = pol(root, &["test"]);
    let stdout = stdout(&tested);
    assert_eq!(tested.status.code(), Some(0), "{stdout}{}", stderr(&tested));
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    let checked = pol(root, &["check", "."]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
}

#[test]
fn a_named_pipe_in_a_folder_is_reported_not_read() {
    let dir = scratch_dir("cli-walk");
    std::fs::write(dir.join("good.pol"), GOOD).unwrap();
    let made = Command::new("mkfifo").arg(dir.join("pipe.pol")).status().unwrap();
    assert!(made.success());
    // Named as a problem, never opened: reading it would wait for a writer forever.
    let output = pol(&dir, &["check", "."]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("it is a FIFO (named pipe), not a policy file or a directory"),
        "{stderr}"
    );
}
