//! Every diagnostic the REPL's meta-commands can emit (REPL stage), in one place so their
//! wording can be reviewed together.

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

/// A meta-command that does not exist, with the closest one if any.
pub fn unknown_command(name: &str, span: Span, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnknownCommand, format!("unknown command `:{name}`"))
        .at(span, "no such command");
    match did_you_mean(name, known.iter().copied()) {
        Some(best) => diagnostic.help(format!("a similar command exists: `:{best}`")),
        None => diagnostic.help("type `:help` for the list of commands"),
    }
}

/// An input that ended before it was complete (an open bracket, a trailing operator, a rule
/// header without its block), at the end of a script.
pub fn unfinished_input(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, "the input ends before it is complete")
        .at(span, "more was expected here")
        .help("close what is open and finish the expression or declaration; at a terminal, Ctrl-C abandons an unfinished input")
}

/// A meta-command given no argument where it needs one.
pub fn missing_argument(command: &str, what: &str, usage: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::CommandArgument, format!("`:{command}` needs {what}"))
        .at(span, format!("{what} expected here"))
        .help(format!("write `{usage}`"))
}

/// A meta-command given an argument it does not take.
pub fn bad_argument(command: &str, problem: &str, help: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::CommandArgument, format!("`:{command}`: {problem}"))
        .at(span, "here")
        .help(help.to_owned())
}

/// `:why` before any decision was asked for.
pub fn no_decision(span: Span) -> Diagnostic {
    Diagnostic::new(Code::CommandNeedsState, "no decision to explain yet")
        .at(span, "nothing was decided before this")
        .help("ask for a decision first with `:decide KEY`")
}

/// `:reload` without a policy loaded.
pub fn no_policy(command: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::CommandNeedsState,
        format!("`:{command}` needs a policy, and none is loaded"),
    )
    .at(span, "no policy to work on")
    .help("load one with `:load FILE`")
}

/// `:whynot` naming a rule the policy does not have.
pub fn unknown_rule(name: &str, span: Span, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::CommandArgument, format!("no rule is named `{name}`"))
        .at(span, "not a rule of the policy");
    match did_you_mean(name, known.iter().copied()) {
        Some(best) => diagnostic.help(format!("a similar name exists: `{best}`")),
        None => diagnostic.help("`:rules` lists the rules"),
    }
}

/// `:diff` with no change to the facts after a decision.
pub fn nothing_to_compare(span: Span) -> Diagnostic {
    Diagnostic::new(Code::CommandNeedsState, "nothing to compare yet")
        .at(span, "no fact was changed after a decision")
        .help("decide with `:decide KEY`, change a fact with `:set`, then `:diff`")
}
