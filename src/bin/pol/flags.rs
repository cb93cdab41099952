//! The flags of `pol` that change the settings the library's diagnostics advise changing: the
//! binary's own words completing their help (`` with `--max-steps` ``).

use pol::diagnostic::{Diagnostic, Setting};

use crate::MAX_LEVELS;

/// Completes a diagnostic's help with the flag that changes the setting its advice concerns.
pub fn name_flag(diagnostic: &mut Diagnostic) {
    diagnostic.name_setting(|setting| Some(way(setting)));
}

/// The diagnostics with their flags named, borrowed as they are when none needs naming.
pub fn with_flags(diagnostics: &[Diagnostic]) -> std::borrow::Cow<'_, [Diagnostic]> {
    if diagnostics.iter().all(|diagnostic| diagnostic.setting.is_none()) {
        return std::borrow::Cow::Borrowed(diagnostics);
    }
    let mut named = diagnostics.to_vec();
    named.iter_mut().for_each(name_flag);
    std::borrow::Cow::Owned(named)
}

/// The words that end a help asking to change `setting`.
fn way(setting: &Setting) -> String {
    match setting {
        Setting::MaxNesting => format!(" with `--max-nesting` (at most {MAX_LEVELS})"),
        Setting::ParserStack => "; the `pol` command sizes its stack from `--max-nesting`".to_owned(),
        Setting::PolicyBytes => " with `--max-policy-bytes`".to_owned(),
        Setting::FactsBytes => " with `--max-facts-bytes`".to_owned(),
        Setting::FactsNesting => " with `--max-facts-nesting`".to_owned(),
        Setting::Steps => " with `--max-steps`".to_owned(),
        Setting::Depth => " with `--max-depth`".to_owned(),
        Setting::SetSize => " with `--max-set-size`".to_owned(),
        Setting::LibraryDir => " with `--lib DIR`".to_owned(),
        Setting::FactsRecord { example } => format!(": `--facts {example}=FILE`"),
        Setting::LawDate => " with `--as-of YYYY-MM-DD`".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use pol::diagnostic::Code;

    use super::*;

    #[test]
    fn the_flag_ends_the_help_once() {
        let mut diagnostic = Diagnostic::new(Code::StepLimit, "evaluation took more than 10 steps")
            .help("simplify the rule, or raise the budget")
            .setting(Setting::Steps);
        name_flag(&mut diagnostic);
        name_flag(&mut diagnostic);
        assert_eq!(
            diagnostic.help.as_deref(),
            Some("simplify the rule, or raise the budget with `--max-steps`")
        );
        assert!(diagnostic.setting.is_none());
    }
}
