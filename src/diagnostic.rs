//! The one diagnostic type every stage produces, and its parts.
//! Rendering lives in `human` (terminal, through miette) and `json` (editors).

pub mod code;
pub mod human;
pub mod json;
pub mod suggest;

pub use code::Code;
pub use suggest::did_you_mean;

use crate::source::Span;

/// How serious a diagnostic is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The input cannot be used; nothing is decided from it.
    Error,
    /// The input works but is probably not what was meant.
    Warning,
}

impl Severity {
    /// The lowercase word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

// The severity of a code is given here rather than in `code.rs`, so that the registry of codes
// imports nothing from the diagnostic that uses it.
impl Code {
    /// Whether this code is an error or a warning.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

/// A span with a short text saying what is at that spot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, e.g. `defined here`.
    pub message: String,
}

impl Label {
    /// A label.
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// A problem found in a policy, a facts file or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0201`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, no final period.
    pub message: String,
    /// The main spot; `None` only for input/output problems with no text to point at.
    pub primary: Option<Label>,
    /// Other spots that explain the problem.
    pub secondary: Vec<Label>,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// The setting of the front end that the help's advice concerns (a limit to raise, a
    /// directory to allow), whose way to change it the help does not name yet. Boxed, since few
    /// diagnostics have one and every `Result` of the library carries a diagnostic.
    pub setting: Option<Box<Setting>>,
    /// Changes to the text that Pol knows fix the problem, for an editor's code actions; the
    /// help says the same in words. Boxed, like `setting`, so that every `Result` stays small;
    /// [`Diagnostic::fixes`] reads them.
    pub fixes: Option<Box<Vec<Fix>>>,
}

/// One change to a text: the bytes of `span` replaced by `text` (an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    /// The bytes replaced.
    pub span: Span,
    /// What replaces them.
    pub text: String,
}

/// A change Pol knows fixes a diagnostic: a title an editor shows and the edits it makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in a few words (`` replace with `licensed_from` ``).
    pub title: String,
    /// The edits, which do not overlap.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix that replaces the text of `span` with `text`.
    pub fn replace(title: impl Into<String>, span: Span, text: impl Into<String>) -> Fix {
        Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                text: text.into(),
            }],
        }
    }
}

/// A setting a front end gives the library, which a diagnostic's advice may ask to change.
///
/// The library names no command-line flag: its help reads whole without one, and ends where a
/// front end can add its own way to change the setting ([`Diagnostic::name_setting`]); the `pol`
/// command adds `` with `--max-steps` ``, a REPL its own command, a language server nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// The deepest nesting a policy's syntax may have.
    MaxNesting,
    /// The stack the parser runs on, which a front end sizes from [`Setting::MaxNesting`].
    ParserStack,
    /// The largest policy file read, in bytes.
    PolicyBytes,
    /// The largest facts input read, in bytes.
    FactsBytes,
    /// The deepest nesting of arrays and objects in JSON or YAML facts.
    FactsNesting,
    /// The evaluation steps one rule of one decision may take.
    Steps,
    /// The depth of expressions and calls evaluation may reach.
    Depth,
    /// The elements a set built while evaluating may have.
    SetSize,
    /// The directories, besides a policy's own, that its imports may read.
    LibraryDir,
    /// The record type a facts input holds, when the input does not say; `example` is the record
    /// type of the policy that advice shows.
    FactsRecord {
        /// The name of a record type of the policy.
        example: String,
    },
    /// One date whose law decides every subject, in place of each subject's own.
    LawDate,
}

impl Diagnostic {
    /// An error with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            setting: None,
            fixes: None,
        }
    }

    /// Sets the primary label.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label::new(span, label));
        self
    }

    /// Adds a secondary label.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label::new(span, label));
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Says which setting the help's advice concerns.
    pub fn setting(mut self, setting: Setting) -> Diagnostic {
        self.setting = Some(Box::new(setting));
        self
    }

    /// Adds a change to the text that fixes the problem.
    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.get_or_insert_default().push(fix);
        self
    }

    /// The changes to the text that fix the problem, in the order they were added.
    pub fn fixes(&self) -> &[Fix] {
        self.fixes.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Completes the help with a front end's way to change the setting it concerns: `way` gives
    /// the words that end the help (`` with `--max-steps` ``), or `None` if this front end has no
    /// way to change that setting, which then stays for another to name. Once named, the setting
    /// is taken, so naming again changes nothing.
    pub fn name_setting(&mut self, way: impl FnOnce(&Setting) -> Option<String>) {
        let Some(setting) = &self.setting else { return };
        let Some(words) = way(setting) else { return };
        self.setting = None;
        self.help = Some(match self.help.take() {
            Some(help) => format!("{help}{words}"),
            None => words.trim_start_matches([':', ';', ' ']).to_owned(),
        });
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary span, if any.
    pub fn span(&self) -> Option<Span> {
        self.primary.as_ref().map(|label| label.span)
    }
}

/// The most diagnostics one policy load or one facts load reports; past it they are only counted.
pub const MAX_SHOWN: usize = 100;

/// The diagnostic that stands for `n_more` left out of the problems in `place` (`"the policy"`,
/// `"the facts"`), with the code of the first one left out.
pub fn more_problems(code: Code, n_more: usize, place: &str) -> Diagnostic {
    Diagnostic::new(code, format!("{n_more} more problems in {place} are not shown"))
}

/// Keeps at most [`MAX_SHOWN`] of sorted diagnostics, errors before warnings, in their order,
/// and adds one saying how many more were found in `place`.
///
/// Drawing a diagnostic costs time and screen space: thousands of errors from one mistake
/// repeated (a renamed field) help no one past the first screens.
pub fn cap(diagnostics: &mut Vec<Diagnostic>, place: &str) {
    if diagnostics.len() <= MAX_SHOWN {
        return;
    }
    let n_found = diagnostics.len();
    let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut n_warnings_kept = MAX_SHOWN.saturating_sub(n_errors);
    let mut n_errors_kept = MAX_SHOWN.min(n_errors);
    let mut first_dropped = None;
    diagnostics.retain(|diagnostic| {
        let quota = if diagnostic.is_error() {
            &mut n_errors_kept
        } else {
            &mut n_warnings_kept
        };
        if *quota == 0 {
            first_dropped.get_or_insert(diagnostic.code);
            return false;
        }
        *quota -= 1;
        true
    });
    if let Some(code) = first_dropped {
        let n_dropped = n_found - diagnostics.len();
        diagnostics.push(more_problems(code, n_dropped, place));
    }
}

/// Sorts diagnostics by file and position, errors before warnings at the same spot.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(sort_key);
}

/// Whether two diagnostics have the same place in the order [`sort`] gives.
pub fn same_place(a: &Diagnostic, b: &Diagnostic) -> bool {
    sort_key(a) == sort_key(b)
}

fn sort_key(diagnostic: &Diagnostic) -> (Option<(crate::source::SourceId, u32, u32)>, Severity) {
    (
        diagnostic.span().map(|span| (span.source, span.start, span.end)),
        diagnostic.severity,
    )
}
