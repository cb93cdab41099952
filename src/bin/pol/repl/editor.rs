//! The terminal side of `pol repl`: rustyline, with an unfinished input continued after a
//! continuation prompt (the REPL's completeness check decides), completion, highlighting, hints
//! and a history file in the user's state directory.
//!
//! An input is edited whole, its earlier lines too: Enter on an unfinished input inserts a line
//! break and the continuation prompt into rustyline's buffer (rustyline draws no prompt of its
//! own on the later lines of a buffer), and the prompts are taken out of the text before it runs.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::PathBuf;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, ConditionalEventHandler, Config, Context, Editor, Event, EventContext, EventHandler, Helper,
    KeyCode, KeyEvent, Modifiers, RepeatCount,
};

use pol::analysis::CompletionKind;
use pol::repl::{COMMANDS, Repl};
use pol::syntax::{TokenClass, highlight};

use super::Output;

/// The prompt.
const PROMPT: &str = "pol> ";

/// The prompt of each further line of an unfinished input, written into the buffer after each
/// line break and taken out again before the input runs.
const CONTINUATION: &str = "...> ";

/// The text of an input as typed: the buffer without the continuation prompts at the starts of
/// its later lines (a prompt cut short by editing, `...>`, counts too).
fn typed_text(buffer: &str) -> String {
    let mut out = String::with_capacity(buffer.len());
    for (idx, line) in buffer.split('\n').enumerate() {
        if idx > 0 {
            out.push('\n');
            let line = line
                .strip_prefix(CONTINUATION)
                .or_else(|| line.strip_prefix(CONTINUATION.trim_end()))
                .unwrap_or(line);
            out.push_str(line);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Enter: runs a complete input (or a command), and continues an unfinished one on a new line
/// after the continuation prompt, wherever the cursor is.
struct Continue;

impl ConditionalEventHandler for Continue {
    fn handle(
        &self,
        _event: &Event,
        _n: RepeatCount,
        _positive: bool,
        ctx: &EventContext<'_>,
    ) -> Option<Cmd> {
        let text = typed_text(ctx.line());
        let runs = text.trim().is_empty()
            || (text.trim_start().starts_with(':') && !text.contains('\n'))
            || pol::repl::is_complete(&text);
        if runs {
            Some(Cmd::AcceptLine)
        } else {
            Some(Cmd::Insert(1, format!("\n{CONTINUATION}")))
        }
    }
}

/// The most lines the history file keeps.
const HISTORY_LINES: usize = 10_000;

/// The words of the language, completed anywhere.
const KEYWORDS: &[&str] = &[
    "let",
    "fn",
    "record",
    "enum",
    "rule",
    "obligation",
    "test",
    "expect",
    "use",
    "decide",
    "default",
    "permit",
    "deny",
    "when",
    "unless",
    "because",
    "cite",
    "effective",
    "until",
    "except",
    "and",
    "or",
    "not",
    "in",
    "is",
    "some",
    "none",
    "unknown",
    "subset",
    "union",
    "intersect",
    "without",
    "if",
    "then",
    "else",
    "any",
    "all",
    "true",
    "false",
];

/// The history file: `$XDG_STATE_HOME/pol/history`, or `~/.local/state/pol/history`.
fn history_path() -> Option<PathBuf> {
    let state = match std::env::var_os("XDG_STATE_HOME").filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|dir| !dir.is_empty())?).join(".local/state"),
    };
    Some(state.join("pol").join("history"))
}

/// Runs the editor until `:quit` or Ctrl-D; Ctrl-C abandons the input being typed.
pub(crate) fn run(repl: Repl<'_>, out: &mut Output) -> std::io::Result<()> {
    let config = Config::builder()
        .max_history_size(HISTORY_LINES)
        .map_err(std::io::Error::other)?
        .auto_add_history(false)
        .build();
    let shared = RefCell::new(repl);
    let mut editor: Editor<PolHelper<'_, '_>, DefaultHistory> =
        Editor::with_config(config).map_err(std::io::Error::other)?;
    let colour = matches!(
        super::console::Terminal::from_env().diagnostics(true),
        pol::diagnostic::human::Style::Fancy
    );
    editor.set_helper(Some(PolHelper {
        repl: &shared,
        colour,
        files: FilenameCompleter::new(),
        hints: HistoryHinter::new(),
    }));
    editor.bind_sequence(
        KeyEvent(KeyCode::Enter, Modifiers::NONE),
        EventHandler::Conditional(Box::new(Continue)),
    );
    let history = history_path();
    if let Some(path) = &history {
        // A first session has no history yet.
        let _none_yet = editor.load_history(path);
    }
    let outcome = loop {
        match editor.readline(PROMPT) {
            Ok(buffer) => {
                let input = typed_text(&buffer);
                if input.trim().is_empty() {
                    continue;
                }
                // Kept as shown, prompts and all, so that it is recalled as it was typed.
                let _ = editor.add_history_entry(buffer.as_str());
                let reply = shared.borrow_mut().input(&input);
                if let Err(error) = out.reply(&shared.borrow(), &reply) {
                    break Err(error);
                }
                if reply.quit {
                    break Ok(());
                }
            }
            // Ctrl-C abandons the whole input, its earlier lines too.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break Ok(()),
            Err(error) => break Err(std::io::Error::other(error)),
        }
    };
    if let Some(path) = &history {
        let saved = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|error| error.to_string())
            .and_then(|()| editor.save_history(path).map_err(|error| error.to_string()));
        if let Err(error) = saved {
            super::console::eprint(&format!(
                "warning: cannot save the history in {}: {error}\n",
                path.display()
            ));
        }
    }
    outcome
}

/// Completion, hints, highlighting and the completeness check, for rustyline.
struct PolHelper<'a, 'fs> {
    repl: &'a RefCell<Repl<'fs>>,
    /// Whether to colour the line (not under `NO_COLOR`, `CLICOLOR=0` or `TERM=dumb`).
    colour: bool,
    files: FilenameCompleter,
    hints: HistoryHinter,
}

impl Helper for PolHelper<'_, '_> {}

// Whether an input is complete is decided when Enter is pressed (`Continue`), so rustyline's own
// validation accepts every buffer it is given.
impl Validator for PolHelper<'_, '_> {}

impl Hinter for PolHelper<'_, '_> {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        self.hints.hint(line, pos, ctx)
    }
}

impl Completer for PolHelper<'_, '_> {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let trimmed = before.trim_start();
        if let Some(command) = trimmed.strip_prefix(':').filter(|_| !line.contains('\n')) {
            match command.split_once(char::is_whitespace) {
                None => {
                    let start = pos - command.len();
                    let pairs = COMMANDS
                        .iter()
                        .filter(|(name, _, _)| name.starts_with(command))
                        .map(|(name, _, _)| pair(&format!("{name} ")))
                        .collect();
                    return Ok((start, pairs));
                }
                Some(("load" | "facts", _)) => return self.files.complete(line, pos, ctx),
                Some(("decide", argument)) => {
                    let word = argument.trim_start();
                    let start = pos - word.len();
                    let repl = self.repl.borrow();
                    let pairs = repl
                        .subject_keys()
                        .into_iter()
                        .filter(|key| key.starts_with(word))
                        .map(|key| pair(&key))
                        .collect();
                    return Ok((start, pairs));
                }
                Some(_) => {}
            }
        }
        let word_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |idx| {
                idx + before[idx..].chars().next().map_or(1, char::len_utf8)
            });
        let word = &before[word_start..];
        // The earlier lines of an unfinished input say where the cursor is (inside a rule).
        let typed = typed_text(before);
        let mut names: Vec<String> = self
            .repl
            .borrow_mut()
            .complete(&typed)
            .into_iter()
            .filter(|completion| completion.kind != CompletionKind::Keyword || !word.is_empty())
            .map(|completion| completion.label)
            .collect();
        if !before[..word_start].ends_with('.') {
            names.extend(KEYWORDS.iter().map(|word| (*word).to_owned()));
        }
        names.sort();
        names.dedup();
        let pairs = names
            .into_iter()
            .filter(|name| name.starts_with(word))
            .map(|name| pair(&name))
            .collect();
        Ok((word_start, pairs))
    }
}

/// A completion shown and inserted as the same text.
fn pair(text: &str) -> Pair {
    Pair {
        display: text.trim_end().to_owned(),
        replacement: text.to_owned(),
    }
}

impl Highlighter for PolHelper<'_, '_> {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.colour || line.trim_start().starts_with(':') {
            return Cow::Borrowed(line);
        }
        // The prompts are highlighted as the blanks they stand for, then shown dim.
        let blanked = line.replace(
            &format!("\n{CONTINUATION}"),
            &format!("\n{}", " ".repeat(CONTINUATION.len())),
        );
        let mut out = String::with_capacity(line.len() * 2);
        let mut at = 0;
        for (range, class) in highlight(&blanked) {
            let Some(colour) = colour(class) else {
                continue;
            };
            out.push_str(&dim_prompts(&line[at..range.start]));
            out.push_str(colour);
            out.push_str(&line[range.clone()]);
            out.push_str("\x1b[0m");
            at = range.end;
        }
        out.push_str(&dim_prompts(&line[at..]));
        Cow::Owned(out)
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.colour {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.colour
    }
}

/// Text between tokens, with the continuation prompts in it shown dim.
fn dim_prompts(text: &str) -> Cow<'_, str> {
    let prompt = format!("\n{CONTINUATION}");
    if text.contains(&prompt) {
        Cow::Owned(text.replace(&prompt, &format!("\n\x1b[2m{CONTINUATION}\x1b[0m")))
    } else {
        Cow::Borrowed(text)
    }
}

/// The terminal colour of a class of token, if it has one.
fn colour(class: TokenClass) -> Option<&'static str> {
    match class {
        TokenClass::Keyword => Some("\x1b[1;35m"),
        TokenClass::String => Some("\x1b[32m"),
        TokenClass::Number | TokenClass::Date => Some("\x1b[36m"),
        TokenClass::Comment => Some("\x1b[2m"),
        TokenClass::TypeName => Some("\x1b[33m"),
        TokenClass::Punctuation => Some("\x1b[1m"),
        TokenClass::Error => Some("\x1b[31m"),
        TokenClass::Name | TokenClass::Operator => None,
    }
}
