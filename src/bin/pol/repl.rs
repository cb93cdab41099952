//! `pol repl`: the interactive front end over `pol::repl`, with rustyline on a terminal, and
//! line by line without prompts or colours when standard input is not one.

mod editor;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use pol::diagnostic::Diagnostic;
use pol::repl::{Repl, Reply};
use pol::session::Workspace;

use crate::files::DiskFiles;
use crate::{CommonArgs, DiagnosticStyle, EXIT_FAILED, EXIT_OK, console};

#[derive(clap::Args, Debug)]
pub(crate) struct ReplArgs {
    /// The policy to work on (none: an empty module).
    policy: Option<PathBuf>,
    /// Facts to load: `FILE` or `Record=FILE`; the format follows the extension (.json .jsonl
    /// .ndjson .yaml .yml .csv).
    #[arg(long = "facts", short = 'f', value_name = "[RECORD=]FILE", num_args = 1..)]
    facts: Vec<String>,
    /// Decide under the law in force on this date (YYYY-MM-DD) instead of each subject's own date.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// Runs the REPL until `:quit` or the end of its input. Without a terminal, exits with 1 if any
/// input gave an error, so a scripted session can be checked.
pub(crate) fn repl(args: ReplArgs) -> u8 {
    let files = DiskFiles;
    let roots = args
        .common
        .lib
        .iter()
        .map(|dir| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()))
        .collect();
    let mut workspace = Workspace::new(&files, roots);
    workspace.options.limits = args.common.limits();
    workspace.set_policy_limits(args.common.max_nesting, args.common.max_policy_bytes);
    // Files are named in diagnostics as typed from here, not by their whole path.
    if let Ok(here) = std::env::current_dir() {
        workspace.set_display_base(&here);
    }
    let mut repl = Repl::new(workspace, &files, PathBuf::from("<repl>"));
    let style = args.common.diagnostics;
    let mut startup = Vec::new();
    if let Some(policy) = &args.policy {
        startup.push(format!(":load {}", policy.display()));
    }
    for facts in &args.facts {
        startup.push(format!(":facts {facts}"));
    }
    if let Some(date) = &args.as_of {
        startup.push(format!(":asof {date}"));
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut out = Output {
        out: console::stdout(),
        style,
        failed: false,
    };
    for line in &startup {
        let reply = repl.input(line);
        if let Err(error) = out.reply(&repl, &reply) {
            return console::write_failed(&error, style);
        }
    }
    let written = if interactive {
        editor::run(repl, &mut out)
    } else {
        script(&mut repl, &mut out)
    };
    match written {
        Ok(()) if out.failed && !interactive => EXIT_FAILED,
        Ok(()) => EXIT_OK,
        Err(error) => console::write_failed(&error, style),
    }
}

/// Where replies go: text on standard output, diagnostics on standard error.
pub(crate) struct Output {
    out: console::Out,
    style: DiagnosticStyle,
    /// Whether some reply held an error.
    failed: bool,
}

impl Output {
    /// Prints a reply: its text, then its diagnostics.
    pub(crate) fn reply(&mut self, repl: &Repl<'_>, reply: &Reply) -> std::io::Result<()> {
        if !reply.text.is_empty() {
            writeln!(self.out, "{}", reply.text)?;
        }
        self.out.flush()?;
        if reply.diagnostics.iter().any(Diagnostic::is_error) {
            self.failed = true;
        }
        console::report(repl.sources(reply.sources), &reply.diagnostics, self.style);
        Ok(())
    }
}

/// Reads standard input line by line, joining lines until an input is complete, and answers
/// each input; at the end, an unfinished input is answered as it stands.
fn script(repl: &mut Repl<'_>, out: &mut Output) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(line) => line,
            Err(error) => {
                console::eprint(&format!("error: cannot read standard input: {error}\n"));
                out.failed = true;
                break;
            }
        };
        if pending.is_empty() && line.trim().is_empty() {
            continue;
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        if !pol::repl::is_complete(&pending) {
            continue;
        }
        let reply = repl.input(&pending);
        pending.clear();
        out.reply(repl, &reply)?;
        if reply.quit {
            return Ok(());
        }
    }
    if !pending.is_empty() {
        let reply = repl.input(&pending);
        out.reply(repl, &reply)?;
    }
    Ok(())
}
