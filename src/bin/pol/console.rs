//! Standard output and standard error for every command: the one buffered writer output goes
//! through, what a failed write means for the exit code, and whether diagnostics are coloured.

use std::ffi::OsString;
use std::io::{self, BufWriter, ErrorKind, IsTerminal, Stdout, Write};
use std::sync::{Mutex, PoisonError};

use pol::diagnostic::{Diagnostic, human, json};
use pol::source::SourceMap;

use crate::{DiagnosticStyle, EXIT_CLOSED, EXIT_USAGE};

/// Standard output, buffered; every command writes its output through one of these.
pub type Out = BufWriter<Stdout>;

/// A buffered writer on standard output.
pub fn stdout() -> Out {
    BufWriter::with_capacity(1 << 16, io::stdout())
}

/// Flushes `out` and turns the result of writing a command's output into its exit code.
pub fn finish(out: &mut Out, written: io::Result<u8>, style: DiagnosticStyle) -> u8 {
    match written.and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => code,
        Err(error) => write_failed(&error, style),
    }
}

/// The exit code for a failed write on standard output, after saying why when it is worth it.
/// A closed pipe means the reader has all it wants (`pol run … | head`): Pol stops quietly, with the
/// status a shell reports for a command ended by `SIGPIPE`. Any other failure (a full disk) is
/// output lost, which the user must hear about.
pub fn write_failed(error: &io::Error, style: DiagnosticStyle) -> u8 {
    if error.kind() == ErrorKind::BrokenPipe {
        return EXIT_CLOSED;
    }
    let diagnostic = pol::engine::cannot_write_output(&crate::files::describe(error));
    report(&SourceMap::new(), &[diagnostic], style);
    EXIT_USAGE
}

/// Writes text on standard error. A failure is ignored: there is nowhere left to report it, and
/// it must not stop the command (`eprintln!` would panic).
pub fn eprint(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// The diagnostics a command has reported as JSON so far, while it holds them (see
/// [`hold_json`]): `None` when reports are written at once.
static HELD: Mutex<Option<json::Report>> = Mutex::new(None);

/// Holds the diagnostics reported as JSON from now on until [`release_json`], so that a command
/// that reports several times (its policy's warnings, then missed lookups, then failed decisions)
/// writes one JSON document on standard error, as `docs/diagnostics-json.md` promises.
/// Diagnostics in the other styles are still written as they come.
pub fn hold_json() {
    *HELD.lock().unwrap_or_else(PoisonError::into_inner) = Some(json::Report {
        version: json::VERSION,
        diagnostics: Vec::new(),
    });
}

/// Writes the diagnostics held since [`hold_json`] as one JSON document, if there are any, and
/// writes later ones at once again.
pub fn release_json() {
    let held = HELD.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(report) = held.filter(|report| !report.diagnostics.is_empty()) {
        eprint(&format!("{}\n", pol::escape::to_json_line(&report)));
    }
}

/// Prints diagnostics on standard error in the chosen style.
pub fn report(sources: &SourceMap, diagnostics: &[Diagnostic], style: DiagnosticStyle) {
    if diagnostics.is_empty() {
        return;
    }
    let diagnostics = &*crate::flags::with_flags(diagnostics);
    if style == DiagnosticStyle::Json {
        // Positions are resolved now: a stream replaces the text of its chunks as it goes.
        let mut report = json::to_report(diagnostics, sources);
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = held.as_mut() {
            held.diagnostics.append(&mut report.diagnostics);
            return;
        }
    }
    let human = |style| human::render_all(diagnostics, sources, style);
    let text = match style {
        DiagnosticStyle::Json => format!("{}\n", json::to_json(diagnostics, sources)),
        DiagnosticStyle::Fancy => human(human::Style::Fancy),
        DiagnosticStyle::Plain => human(human::Style::Plain),
        DiagnosticStyle::Narrated => human(human::Style::Narrated),
        DiagnosticStyle::Auto => human(Terminal::from_env().diagnostics(io::stderr().is_terminal())),
    };
    eprint(&text);
}

/// What the environment says about colour and the terminal, by the `NO_COLOR`
/// (<https://no-color.org>) and `CLICOLOR` conventions and `TERM`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    /// `NO_COLOR` is set and not empty: no colour, whatever else says.
    pub no_color: bool,
    /// `CLICOLOR_FORCE` is set, not empty and not `0`: colour even when not on a terminal.
    pub clicolor_force: bool,
    /// `CLICOLOR=0`: no colour on a terminal.
    pub clicolor_off: bool,
    /// `TERM=dumb`: a terminal that draws no colours, box drawings or cursor movements.
    pub dumb: bool,
}

impl Terminal {
    /// Reads the variables from the process's environment.
    pub fn from_env() -> Terminal {
        Terminal::from_vars(|name| std::env::var_os(name))
    }

    /// Reads the variables through `var`, so the decision can be tested without an environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Terminal {
        let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
        Terminal {
            no_color: set("NO_COLOR"),
            clicolor_force: set("CLICOLOR_FORCE") && var("CLICOLOR_FORCE").is_some_and(|value| value != "0"),
            clicolor_off: var("CLICOLOR").is_some_and(|value| value == "0"),
            dumb: var("TERM").is_some_and(|value| value == "dumb"),
        }
    }

    /// How `--diagnostics auto` draws on standard error, given whether it is a terminal.
    /// `NO_COLOR` wins over `CLICOLOR_FORCE`, which wins over `CLICOLOR=0` and the terminal test.
    pub fn diagnostics(&self, is_terminal: bool) -> human::Style {
        let drawing_terminal = is_terminal && !self.dumb;
        if self.no_color {
            return if drawing_terminal {
                human::Style::Monochrome
            } else {
                human::Style::Plain
            };
        }
        if self.clicolor_force {
            return human::Style::Fancy;
        }
        match (drawing_terminal, self.clicolor_off) {
            (true, false) => human::Style::Fancy,
            (true, true) => human::Style::Monochrome,
            (false, _) => human::Style::Plain,
        }
    }

    /// Whether a progress line, redrawn in place with control sequences, may be shown on standard
    /// error, given whether standard error and standard output are terminals. Decisions printed on
    /// the same screen would be written after the progress line, in the middle of it, so it is
    /// shown only while the output goes elsewhere (a file, a pipe).
    pub fn progress(&self, stderr_is_terminal: bool, stdout_is_terminal: bool) -> bool {
        stderr_is_terminal && !stdout_is_terminal && !self.dumb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(vars: &[(&str, &str)], is_terminal: bool, expected: human::Style) {
        let terminal = Terminal::from_vars(|name| {
            vars.iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| OsString::from(value))
        });
        assert_eq!(
            terminal.diagnostics(is_terminal),
            expected,
            "{vars:?} on a terminal: {is_terminal}"
        );
    }

    #[test]
    fn a_terminal_gets_colour_and_a_pipe_does_not() {
        check(&[("TERM", "xterm-256color")], true, human::Style::Fancy);
        check(&[], false, human::Style::Plain);
    }

    #[test]
    fn no_color_turns_colour_off_on_a_terminal_but_keeps_the_drawing() {
        check(&[("NO_COLOR", "1")], true, human::Style::Monochrome);
        check(&[("NO_COLOR", "")], true, human::Style::Fancy);
        check(
            &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
            false,
            human::Style::Plain,
        );
    }

    #[test]
    fn clicolor_zero_turns_colour_off_and_clicolor_force_turns_it_on() {
        check(&[("CLICOLOR", "0")], true, human::Style::Monochrome);
        check(&[("CLICOLOR", "1")], true, human::Style::Fancy);
        check(&[("CLICOLOR_FORCE", "1")], false, human::Style::Fancy);
        check(&[("CLICOLOR_FORCE", "0")], false, human::Style::Plain);
        check(
            &[("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0")],
            true,
            human::Style::Fancy,
        );
    }

    #[test]
    fn a_dumb_terminal_gets_plain_text_and_no_progress_line() {
        check(&[("TERM", "dumb")], true, human::Style::Plain);
        let dumb = Terminal {
            dumb: true,
            ..Terminal::default()
        };
        assert!(!dumb.progress(true, false));
        assert!(Terminal::default().progress(true, false));
    }

    #[test]
    fn no_progress_line_while_decisions_go_to_the_same_screen() {
        assert!(!Terminal::default().progress(true, true));
        assert!(!Terminal::default().progress(false, false));
    }
}
