//! Key references against known keys: every `Country["…"]` of a checked program that no known
//! key matches. The keys can come from loaded facts, test facts or a fixed list of a record type's
//! keys; the check needs nothing else, so it can run before any facts are read.

use std::collections::{BTreeSet, HashMap};

use super::ir::{Program, RecordId};
use super::messages;
use crate::diagnostic::{Diagnostic, did_you_mean};

/// The keys known for each record type.
pub trait KnownKeys {
    /// Whether `key` is a known key of `record`.
    fn has_key(&self, record: RecordId, key: &str) -> bool;
    /// Every known key of `record`, in any order (for suggestions and counts).
    fn keys(&self, record: RecordId) -> Box<dyn Iterator<Item = &str> + '_>;
    /// Whether any fact of `record` is given, keyed or not; `None` when that is not known
    /// (a fixed list of keys says nothing of the facts of other types).
    fn has_facts(&self, _record: RecordId) -> Option<bool> {
        None
    }
}

/// Known keys held as texts: a test block's facts, or a fixed list such as a standard list of countries.
#[derive(Clone, Debug, Default)]
pub struct KeySets {
    sets: HashMap<RecordId, BTreeSet<String>>,
}

impl KeySets {
    /// No known keys.
    pub fn new() -> KeySets {
        KeySets::default()
    }

    /// Adds a key of a record type.
    pub fn insert(&mut self, record: RecordId, key: &str) {
        self.sets.entry(record).or_default().insert(key.to_owned());
    }
}

impl KnownKeys for KeySets {
    fn has_key(&self, record: RecordId, key: &str) -> bool {
        self.sets.get(&record).is_some_and(|set| set.contains(key))
    }

    fn keys(&self, record: RecordId) -> Box<dyn Iterator<Item = &str> + '_> {
        match self.sets.get(&record) {
            Some(set) => Box::new(set.iter().map(String::as_str)),
            None => Box::new(std::iter::empty()),
        }
    }
}

/// How a key reference no known key matches is reported.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UnknownKeys {
    /// As a warning (W0003): decisions still go ahead, reading the key's fields as unknown.
    Warn,
    /// As an error (E0415): nothing should be decided.
    Deny,
}

/// One diagnostic per key reference of `program` whose key `known` lacks, in source order, each
/// pointing at every use of the key with a suggestion among the known keys of its record type.
pub fn unknown_keys(program: &Program, known: &dyn KnownKeys, level: UnknownKeys) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = program
        .key_refs
        .iter()
        .filter_map(|key_ref| {
            // A table's keys are the policy's own, and the checker has checked every reference to them.
            if program.records[key_ref.record.idx()].table {
                return None;
            }
            let key = program.interner.resolve(key_ref.key);
            if known.has_key(key_ref.record, key) {
                return None;
            }
            let mut spans = key_ref.later_uses.clone();
            spans.push(key_ref.span);
            spans.sort_by_key(|span| (span.source, span.start));
            let similar = did_you_mean(key, known.keys(key_ref.record));
            let any_known = known.keys(key_ref.record).next().is_some();
            Some(messages::unknown_key(
                &program.records[key_ref.record.idx()].name,
                key,
                &spans,
                similar,
                any_known,
                level == UnknownKeys::Deny,
            ))
        })
        .collect();
    // A quantifier over facts that were never given is vacuous: say so, since a missing file
    // would otherwise read as "no conflict anywhere".
    for (record, span) in &program.fact_sets {
        if known.has_facts(*record) == Some(false) {
            diagnostics.push(messages::no_facts_of_type(
                &program.records[record.idx()].name,
                *span,
            ));
        }
    }
    crate::diagnostic::sort(&mut diagnostics);
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, FactsInput, NoFiles};
    use crate::facts::Format;

    const POLICY: &str = r#"policy "keys"

record Country key name {
  name: Text
  embargoed: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule embargo: deny {
  when t.destination == Country["Cote d'Ivoire"] or t.destination == Country["Ghana"]
}

rule named_again: deny {
  when t.destination == Country["Cote d'Ivoire"] and t.destination.embargoed
}
"#;

    /// The diagnostics for `POLICY` against known keys, one line each:
    /// `CODE message @ line:column of each use | help`.
    fn check(known: &dyn KnownKeys, level: UnknownKeys, expected: &[&str]) {
        let mut engine = Engine::new(&NoFiles, Vec::new());
        let loaded = engine.load_policy_text("keys.pol", POLICY, None).unwrap();
        let program = &loaded.checked.program;
        let actual: Vec<String> = unknown_keys(program, known, level)
            .iter()
            .map(|diagnostic| render(&engine, diagnostic))
            .collect();
        assert_eq!(actual, expected);
    }

    fn render(engine: &Engine<'_>, diagnostic: &Diagnostic) -> String {
        let at = |span: crate::source::Span| {
            let source = engine.sources.get(span.source);
            let line = source.line_of(span.start);
            format!(
                "{}:{}",
                line + 1,
                &source.text[span.start as usize..span.end as usize]
            )
        };
        let mut uses: Vec<String> = diagnostic.span().into_iter().map(at).collect();
        uses.extend(diagnostic.secondary.iter().map(|label| at(label.span)));
        format!(
            "{} {} @ {} | {}",
            diagnostic.code.as_str(),
            diagnostic.message,
            uses.join(" "),
            diagnostic.help.as_deref().unwrap_or("")
        )
    }

    fn country_keys(keys: &[&str]) -> KeySets {
        let mut sets = KeySets::new();
        for key in keys {
            sets.insert(RecordId(0), key);
        }
        sets
    }

    #[test]
    fn known_keys_give_nothing() {
        check(&country_keys(&["Cote d'Ivoire", "Ghana"]), UnknownKeys::Deny, &[]);
    }

    #[test]
    fn an_unknown_key_is_a_warning_at_every_use_with_a_similar_key() {
        check(
            &country_keys(&["Côte d'Ivoire", "Ghana"]),
            UnknownKeys::Warn,
            &[
                "W0003 no `Country` fact has the key `Cote d'Ivoire` @ 18:\"Cote d'Ivoire\" 22:\"Cote d'Ivoire\" \
                 | a similar key exists: `Côte d'Ivoire`; every field of `Country[\"Cote d'Ivoire\"]` reads as \
                 unknown, and it equals no `Country` the facts define",
            ],
        );
    }

    #[test]
    fn deny_makes_it_an_error() {
        check(
            &country_keys(&["Ghana", "Togo"]),
            UnknownKeys::Deny,
            &[
                "E0415 no `Country` fact has the key `Cote d'Ivoire` @ 18:\"Cote d'Ivoire\" 22:\"Cote d'Ivoire\" \
                 | add a `Country` fact with the key `Cote d'Ivoire`, or correct the key; every field of \
                 `Country[\"Cote d'Ivoire\"]` reads as unknown, and it equals no `Country` the facts define",
            ],
        );
    }

    #[test]
    fn a_record_type_without_keys_says_so() {
        check(
            &KeySets::new(),
            UnknownKeys::Warn,
            &[
                "W0003 no `Country` fact has the key `Cote d'Ivoire` @ 18:\"Cote d'Ivoire\" 22:\"Cote d'Ivoire\" \
                 | the facts define no `Country`: add one with the key `Cote d'Ivoire`; every field of \
                 `Country[\"Cote d'Ivoire\"]` reads as unknown, and it equals no `Country` the facts define",
                "W0003 no `Country` fact has the key `Ghana` @ 18:\"Ghana\" \
                 | the facts define no `Country`: add one with the key `Ghana`; every field of \
                 `Country[\"Ghana\"]` reads as unknown, and it equals no `Country` the facts define",
            ],
        );
    }

    /// Loading facts binds each key the facts lack to a placeholder row; those rows define nothing.
    #[test]
    fn placeholder_rows_of_loaded_facts_are_not_known_keys() {
        let mut engine = Engine::new(&NoFiles, Vec::new());
        let loaded = engine.load_policy_text("keys.pol", POLICY, None).unwrap();
        let program = &loaded.checked.program;
        let input = FactsInput {
            name: "facts.json".into(),
            bytes: br#"{"Country": [{"name": "Ghana", "embargoed": false}]}"#.to_vec(),
            format: Format::Json,
            record: None,
            mapping: None,
        };
        let facts = engine.load_facts(program, vec![input]).unwrap();
        assert_eq!(facts.n_rows(RecordId(0)), 2, "a placeholder for `Cote d'Ivoire`");
        assert!(facts.has_key(RecordId(0), "Ghana"));
        assert!(!facts.has_key(RecordId(0), "Cote d'Ivoire"));
        assert_eq!(facts.keys(RecordId(0)).collect::<Vec<_>>(), ["Ghana"]);
        let diagnostics = unknown_keys(program, &facts, UnknownKeys::Warn);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(
            diagnostics[0].message,
            "no `Country` fact has the key `Cote d'Ivoire`"
        );
    }
}
