//! `pol repl` on a real terminal: the built binary runs in a tmux pane, driven by keys sent to it
//! and read back from the screen, as a person would use it. Needs `tmux` (`.ci/run` installs it).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod support;
use support::cli::{WATCHDOG, scratch_dir};

/// A tmux server of its own for one test, so that no other tmux session is touched; killed
/// when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|output| output.status.success()),
            "this test drives `pol repl` in tmux: install tmux (`.ci/run` does)"
        );
        Tmux {
            socket: format!("pol-{name}-{}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    }

    /// Starts `pol repl ARGS` in a pane 120 columns wide, in the repository's root, with its
    /// history under `state`.
    fn start(&self, state: &Path, args: &str) {
        let pol = env!("CARGO_BIN_EXE_pol");
        let root = env!("CARGO_MANIFEST_DIR");
        let command = format!(
            "cd '{root}' && env -u CLICOLOR_FORCE NO_COLOR=1 TERM=xterm XDG_STATE_HOME='{}' '{pol}' repl {args}",
            state.display()
        );
        let started = self.run(&[
            "new-session",
            "-d",
            "-s",
            "repl",
            "-x",
            "120",
            "-y",
            "50",
            &command,
        ]);
        assert!(started.status.success(), "tmux did not start: {started:?}");
    }

    /// Types keys: text, or key names such as `Enter`, `Tab`, `C-c`.
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "repl"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Types text as it is, no word of it read as a key name.
    fn text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "repl", "-l", text])
                .status
                .success()
        );
    }

    /// The screen, with its scrollback.
    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-J", "-S", "-200", "-t", "repl"])
                .stdout,
        )
        .into_owned()
    }

    /// Waits until the screen shows `text` `times` times; the screen then.
    fn wait_for(&self, text: &str, times: usize) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(text).count() >= times {
                return screen;
            }
            assert!(
                start.elapsed() < WATCHDOG,
                "the screen never showed `{text}` {times} times:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Waits until the screen is as `ready` wants it; the screen then.
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < WATCHDOG,
                "the screen never showed {what}:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Waits until `pol` has ended and its pane closed.
    fn wait_for_exit(&self) {
        let start = Instant::now();
        while self.run(&["has-session", "-t", "repl"]).status.success() {
            assert!(start.elapsed() < WATCHDOG, "pol did not end:\n{}", self.screen());
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn state_dir() -> PathBuf {
    scratch_dir("repl-terminal")
}

#[test]
fn a_terminal_session_completes_decides_explains_abandons_and_keeps_its_history() {
    let state = state_dir();
    let tmux = Tmux::new("session");
    tmux.start(
        &state,
        "examples/japan/three_principles.pol --facts examples/japan/cases.json",
    );
    tmux.wait_for("pol> ", 1);

    // A rule on three lines: Enter on its unfinished header continues the input after the
    // continuation prompt; Tab completes a name and a field of it, the header above giving the
    // subject's name.
    tmux.text("rule strict: deny {");
    tmux.keys(&["Enter"]);
    tmux.wait_for("...> ", 1);
    tmux.text("  when t.desti");
    tmux.keys(&["Tab"]);
    tmux.wait_for("when t.destination", 1);
    tmux.text(".in_com");
    tmux.keys(&["Tab"]);
    tmux.wait_for("when t.destination.in_combat", 1);
    tmux.keys(&["Enter"]);
    tmux.wait_for("...> ", 2);
    tmux.text("}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("defined rule `strict`", 1);

    // An earlier line of an unfinished input is edited in place: Up goes back to the rule's
    // header, whose name is changed before the rule is finished; only the new name is defined.
    tmux.text("rule lax: permit {");
    tmux.keys(&["Enter"]);
    tmux.wait_for("...> ", 3);
    tmux.text("  when t.destination.in_combat");
    tmux.keys(&["Enter"]);
    tmux.wait_for("...> ", 4);
    tmux.keys(&["Up", "Up", "Home"]);
    tmux.keys(&["Right", "Right", "Right", "Right", "Right", "DC", "DC", "DC"]);
    tmux.text("lenient");
    tmux.wait_for("rule lenient: permit {", 1);
    tmux.keys(&["Down", "Down", "End"]);
    tmux.text("}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("defined rule `lenient`", 1);
    assert!(!screen.contains("`lax`"), "the old name was defined:\n{screen}");

    // A name completed in an expression.
    tmux.text("Situat");
    tmux.keys(&["Tab"]);
    tmux.wait_for("pol> Situation", 1);
    tmux.text("[\"UA\"].in_combat");
    tmux.keys(&["Enter"]);
    tmux.wait_for("true : Bool", 1);

    // A decision, with the subject's key completed, and its derivation.
    tmux.text(":decide pac3");
    tmux.keys(&["Tab"]);
    tmux.wait_for(":decide pac3-us", 1);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Transfer pac3-us under the law of 2023-12-22: PERMIT", 1);
    tmux.text(":why");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("strict (deny): did not apply", 1);
    assert!(screen.contains("when t.destination.in_combat: false"), "{screen}");

    // Ctrl-C abandons an unfinished input: it never runs, and the next one does.
    tmux.text("1000 +");
    tmux.keys(&["Enter"]);
    tmux.wait_for("...> ", 5);
    tmux.text("  2000");
    tmux.keys(&["C-c"]);
    // Keys typed before the fresh prompt is drawn may be dropped by the terminal's mode change.
    tmux.wait_until("a fresh prompt after Ctrl-C", |screen| {
        screen.contains("2000") && screen.trim_end().ends_with("pol>")
    });
    tmux.text("40 + 2");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("42 : Int", 1);
    assert!(!screen.contains("3000"), "an abandoned input ran:\n{screen}");

    tmux.text(":quit");
    tmux.keys(&["Enter"]);
    tmux.wait_for_exit();

    // Started again, the REPL has the history of the first session: two steps back is the
    // last expression typed before `:quit`.
    tmux.start(&state, "");
    tmux.wait_for("pol> ", 1);
    tmux.keys(&["Up", "Up"]);
    tmux.wait_for("pol> 40 + 2", 1);
    tmux.keys(&["Enter"]);
    tmux.wait_for("42 : Int", 1);
    tmux.keys(&["C-d"]);
    tmux.wait_for_exit();
    let history = std::fs::read_to_string(state.join("pol/history")).unwrap();
    assert!(history.contains(":decide pac3-us"), "{history}");
    assert!(
        !history.contains("2000"),
        "an abandoned input was kept: {history}"
    );
}
