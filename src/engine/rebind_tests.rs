//! Tests of binding loaded facts to an edited policy (`Engine::rebind_facts`): decisions and
//! diagnostics after a field is added, retyped or removed and a key reference added, and proof
//! that nothing is read again.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::check::keys::{self, UnknownKeys};
use crate::diagnostic::Code;
use crate::eval::Verdict;

/// A policy whose `Transfer` has the fields `EXTRA` adds, and whose rules are `RULES`.
fn policy(extra: &str, rules: &str) -> String {
    format!(
        r#"policy "Rebinding"

record Country key code {{
  code: Text
  in_combat: Bool
}}

record Transfer key id {{
  id: Text
  destination: Country
{extra}}}

decide t: Transfer
default deny because "no rule permits this transfer"

rule peaceful: permit {{
  when not t.destination.in_combat
}}
{rules}"#
    )
}

const FACTS: &str = r#"{
  "Country": [{"code": "US", "in_combat": false}, {"code": "XX", "in_combat": true}],
  "Transfer": [
    {"id": "t1", "destination": "US", "value": 100},
    {"id": "t2", "destination": "XX", "value": 5}
  ]
}"#;

const CSV: &str = "code,in_combat\nJP,false\n";

/// A file system holding one policy file, counting every read.
struct CountingFiles {
    text: String,
    reads: AtomicUsize,
}

impl FileSystem for CountingFiles {
    fn read(&self, _path: &Path, _max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.text.clone().into_bytes())
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        Ok(Path::new("/policies").join(path))
    }
}

fn inputs() -> Vec<FactsInput> {
    vec![
        FactsInput {
            name: "facts.json".to_owned(),
            bytes: FACTS.as_bytes().to_vec(),
            format: Format::Json,
            record: None,
            mapping: None,
        },
        FactsInput {
            name: "countries.csv".to_owned(),
            bytes: CSV.as_bytes().to_vec(),
            format: Format::Csv,
            record: Some("Country".to_owned()),
            mapping: None,
        },
    ]
}

fn load(engine: &mut Engine<'_>, name: &str, text: &str) -> Program {
    match engine.load_policy_text(name, text, None) {
        Ok(loaded) => loaded.checked.program,
        Err(diagnostics) => panic!("{name} does not load: {diagnostics:#?}"),
    }
}

/// The id the next text added to the sources gets (the probe added to find it counts too).
fn next_source(engine: &mut Engine<'_>) -> u32 {
    engine.sources.add("<probe>", "").0 + 1
}

/// Each subject's key and verdict, in input order.
fn verdicts(engine: &Engine<'_>, program: &Program, facts: &Facts) -> Vec<(String, Verdict)> {
    engine
        .decide_all(program, facts, Options::default())
        .unwrap()
        .into_iter()
        .map(|decision| {
            let decision = decision.unwrap();
            let subject = program.subject.as_ref().unwrap().record;
            let key = facts.key_text(program, subject, decision.subject).unwrap();
            (key.to_owned(), decision.verdict)
        })
        .collect()
}

/// Each diagnostic as `CODE message` with the text its primary label points at.
fn described(engine: &Engine<'_>, diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let at = diagnostic.span().map_or_else(String::new, |span| {
                let source = engine.sources.get(span.source);
                format!(" at {} `{}`", source.name, &source.text[span.range()])
            });
            format!("{} {}{at}", diagnostic.code.as_str(), diagnostic.message)
        })
        .collect()
}

#[test]
fn facts_rebound_to_an_edited_policy_decide_by_its_rules_and_fields() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let first = load(&mut engine, "first.pol", &policy("  value: Int?\n", ""));
    let facts = engine.load_facts(&first, inputs()).unwrap();
    assert_eq!(
        verdicts(&engine, &first, &facts),
        [
            ("t1".to_owned(), Verdict::Permit),
            ("t2".to_owned(), Verdict::Deny)
        ]
    );
    // A rule now reads `value`, a field the facts have that no rule read before.
    let rules = "rule small: deny {\n  when t.value is some and t.value < 10\n}\n";
    let second = load(&mut engine, "second.pol", &policy("  value: Int?\n", rules));
    let rebound = engine.rebind_facts(&facts, &second).unwrap();
    assert_eq!(
        verdicts(&engine, &second, &rebound),
        [
            ("t1".to_owned(), Verdict::Permit),
            ("t2".to_owned(), Verdict::Deny)
        ]
    );
    // A new field the facts lack is unknown for every subject: the decision waits on it.
    let third_rules = "rule cleared: deny {\n  when not t.cleared\n}\n";
    let third = load(
        &mut engine,
        "third.pol",
        &policy("  value: Int?\n  cleared: Bool\n", third_rules),
    );
    let rebound = engine.rebind_facts(&facts, &third).unwrap();
    assert_eq!(
        verdicts(&engine, &third, &rebound),
        [
            ("t1".to_owned(), Verdict::Undecided),
            ("t2".to_owned(), Verdict::Deny)
        ]
    );
}

#[test]
fn facts_rebound_to_a_policy_that_removes_or_retypes_a_field_give_a_fresh_loads_diagnostics() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let first = load(&mut engine, "first.pol", &policy("  value: Int?\n", ""));
    let facts = engine.load_facts(&first, inputs()).unwrap();
    let n_sources = next_source(&mut engine);
    for extra in ["  value: Date\n", ""] {
        let edited = load(&mut engine, "edited.pol", &policy(extra, ""));
        let rebound = engine.rebind_facts(&facts, &edited).unwrap_err();
        let mut fresh_engine = Engine::new(&NoFiles, Vec::new());
        let fresh_program = load(&mut fresh_engine, "edited.pol", &policy(extra, ""));
        let fresh = fresh_engine.load_facts(&fresh_program, inputs()).unwrap_err();
        assert_eq!(described(&engine, &rebound), described(&fresh_engine, &fresh));
        assert_eq!(rebound.len(), 2, "{rebound:#?}");
        let expected = if extra.is_empty() {
            Code::UnknownFactField
        } else {
            Code::FactType
        };
        assert!(
            rebound.iter().all(|diagnostic| diagnostic.code == expected),
            "{rebound:#?}"
        );
    }
    // Rebinding read no text again: it added none to the sources. The edited policy did, once:
    // loaded again under the same name, its text is replaced in place.
    let edited_policies = 1;
    assert_eq!(next_source(&mut engine), n_sources + edited_policies + 1);
}

#[test]
fn facts_rebound_to_a_policy_that_drops_an_inputs_record_type_say_so_as_a_fresh_load() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let first = load(&mut engine, "first.pol", &policy("  value: Int?\n", ""));
    let facts = engine.load_facts(&first, inputs()).unwrap();
    let renamed = policy("  value: Int?\n", "").replace("Country", "Nation");
    let edited = load(&mut engine, "edited.pol", &renamed);
    let rebound = engine.rebind_facts(&facts, &edited).unwrap_err();
    let codes: Vec<Code> = rebound.iter().map(|diagnostic| diagnostic.code).collect();
    // The JSON names `Country`, now unknown; the CSV was said to hold `Country`.
    assert_eq!(
        codes,
        [Code::UnknownRecordType, Code::UnknownRecordType],
        "{rebound:#?}"
    );
}

#[test]
fn a_key_reference_the_rebound_facts_lack_reads_as_unknown_and_is_reported() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let first = load(&mut engine, "first.pol", &policy("  value: Int?\n", ""));
    let facts = engine.load_facts(&first, inputs()).unwrap();
    let rules = "rule embargo: deny {\n  when Country[\"ZZ\"].in_combat\n}\n";
    let edited = load(&mut engine, "edited.pol", &policy("  value: Int?\n", rules));
    let rebound = engine.rebind_facts(&facts, &edited).unwrap();
    assert_eq!(
        verdicts(&engine, &edited, &rebound),
        [
            ("t1".to_owned(), Verdict::Undecided),
            ("t2".to_owned(), Verdict::Deny)
        ]
    );
    let unknown = keys::unknown_keys(&edited, &rebound, UnknownKeys::Warn);
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert_eq!(unknown[0].code, Code::UnknownKey);
    // The key the CSV gives is known after rebinding too.
    let rules = "rule japan: deny {\n  when Country[\"JP\"].in_combat\n}\n";
    let edited = load(&mut engine, "japan.pol", &policy("  value: Int?\n", rules));
    let rebound = engine.rebind_facts(&facts, &edited).unwrap();
    assert!(keys::unknown_keys(&edited, &rebound, UnknownKeys::Warn).is_empty());
}

#[test]
fn rebinding_reads_no_file() {
    let files = CountingFiles {
        text: policy("  value: Int?\n", ""),
        reads: AtomicUsize::new(0),
    };
    let mut engine = Engine::new(&files, Vec::new());
    let first = engine
        .load_policy(Path::new("first.pol"))
        .unwrap()
        .checked
        .program;
    let facts = engine.load_facts(&first, inputs()).unwrap();
    assert_eq!(files.reads.load(Ordering::SeqCst), 1);
    let rules = "rule small: deny {\n  when t.value is some and t.value < 10\n}\n";
    let edited = load(&mut engine, "edited.pol", &policy("  value: Int?\n", rules));
    let n_sources = next_source(&mut engine);
    let rebound = engine.rebind_facts(&facts, &edited).unwrap();
    assert_eq!(files.reads.load(Ordering::SeqCst), 1);
    assert_eq!(next_source(&mut engine), n_sources + 1);
    assert_eq!(rebound.inputs, facts.inputs);
    assert_eq!(
        verdicts(&engine, &edited, &rebound),
        [
            ("t1".to_owned(), Verdict::Permit),
            ("t2".to_owned(), Verdict::Deny)
        ]
    );
}

#[test]
fn facts_of_a_test_block_are_refused() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let test = "test \"one\" {\n  Country { code: \"US\", in_combat: false }\n  Transfer { id: \"t1\", destination: \"US\" }\n  expect \"t1\" permit by peaceful\n}\n";
    let program = load(&mut engine, "tested.pol", &policy("", test));
    let mut builder = engine.facts_builder(&program);
    builder.add_test_facts(&program.tests[0].facts);
    let facts = builder.finish().unwrap();
    let refused = engine.rebind_facts(&facts, &program).unwrap_err();
    assert_eq!(
        described(&engine, &refused),
        [
            "E0416 the facts of a test block cannot be bound to another program at tested.pol `Country { code: \"US\", in_combat: false }`"
        ]
    );
}

#[test]
fn facts_streamed_line_by_line_are_refused() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let program = load(&mut engine, "streamed.pol", &policy("", ""));
    let mut builder = engine.facts_builder(&program);
    let reference = engine
        .add_bytes("countries.csv".to_owned(), CSV.as_bytes().to_vec())
        .unwrap();
    let country = program.record("Country");
    builder
        .add_text(&engine.sources, reference, Format::Csv, country)
        .unwrap();
    builder.mark_base();
    let stream = engine.sources.add("<stdin>", "");
    let transfer = program.record("Transfer").unwrap();
    builder
        .add_json_line(r#"{"id": "t1", "destination": "JP"}"#, stream, 0, transfer)
        .unwrap();
    let chunk = builder.finish_chunk().unwrap();
    let refused = engine.rebind_facts(&chunk, &program).unwrap_err();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].code, Code::FactsNotRebindable);
    assert_eq!(refused[0].span().map(|span| span.source), Some(stream));
}

#[test]
fn facts_streamed_in_chunks_of_text_are_refused() {
    let mut engine = Engine::new(&NoFiles, Vec::new());
    let program = load(&mut engine, "streamed.pol", &policy("", ""));
    let mut builder = engine.facts_builder(&program);
    let reference = engine
        .add_bytes("countries.csv".to_owned(), CSV.as_bytes().to_vec())
        .unwrap();
    let country = program.record("Country");
    builder
        .add_text(&engine.sources, reference, Format::Csv, country)
        .unwrap();
    builder.mark_base();
    // The stream's chunks take turns in one source, as the `pol` command reads them.
    let stream = engine.sources.add("<stdin>", "");
    let transfer = program.record("Transfer");
    for chunk in ["t1", "t2"] {
        let text = format!("{{\"id\": \"{chunk}\", \"destination\": \"JP\"}}\n");
        engine.sources.replace(stream, text);
        builder
            .add_text(&engine.sources, stream, Format::JsonLines, transfer)
            .unwrap();
        let facts = builder.finish_chunk().unwrap();
        // Only the reference data could be read again; the chunk makes the facts refused.
        assert_eq!(facts.inputs.texts.len(), 1);
        let refused = engine.rebind_facts(&facts, &program).unwrap_err();
        assert_eq!(refused[0].code, Code::FactsNotRebindable, "{refused:#?}");
        assert_eq!(refused[0].span().map(|span| span.source), Some(stream));
        builder.reclaim(facts);
    }
}
