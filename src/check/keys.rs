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
    crate::diagnostic::sort(&mut diagnostics);
    diagnostics
}
