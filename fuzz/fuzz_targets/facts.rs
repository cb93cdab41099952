//! Any bytes as facts for a fixed schema, in the format the first byte chooses (JSON, JSON Lines,
//! YAML, CSV); then every subject is decided. A diagnostic is a pass, a panic a finding.

#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pol::check::ir::Program;
use pol::engine::{Engine, FactsInput, NoFiles};
use pol::eval::{Options, limits::Limits};
use pol::facts::Format;

/// A schema with every kind of field: Bool, Int, Text, Date, enum, optional, set, references.
const POLICY: &str = r#"policy "facts fuzzing"

enum Kind { part, product, service }

record Country key code {
  code: Text
  embargo: Bool
  since: Date?
}

record Item key id {
  id: Text
  kind: Kind
  parts: Int
  origin: Country?
  partners: Set<Country>
  tags: Set<Text>
}

record Transfer key id {
  id: Text
  item: Item
  destination: Country
  date: Date
  value: Int?
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule small: permit {
  when t.item.parts < 10 and not t.destination.embargo
  when t.item.kind in {part, service}
}

rule partner: permit {
  when t.destination in t.item.partners or "open" in t.item.tags
  when t.destination.since is some and t.destination.since < t.date
}
"#;

/// The schema, loaded once: checking it for every input would cost more than the input itself.
fn schema() -> &'static Program {
    static SCHEMA: OnceLock<Program> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        match engine.load_policy_text("schema.pol", POLICY, None) {
            Ok(loaded) => loaded.checked.program,
            Err(diagnostics) => panic!("the fixed schema loads: {diagnostics:?}"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, bytes)) = data.split_first() else {
        return;
    };
    let (format, record) = match selector % 8 {
        0 => (Format::Json, None),
        1 => (Format::JsonLines, Some("Transfer")),
        2 => (Format::Yaml, None),
        3 => (Format::Csv, Some("Transfer")),
        4 => (Format::Csv, Some("Item")),
        5 => (Format::Csv, Some("Country")),
        6 => (Format::JsonLines, None),
        _ => (Format::Yaml, Some("Item")),
    };
    let program = schema();
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    // The schema's text first, under the source id its spans were given when it was loaded.
    engine.sources.add("schema.pol", POLICY);
    let input = FactsInput {
        name: "facts".to_owned(),
        bytes: bytes.to_vec(),
        format,
        record: record.map(str::to_owned),
        mapping: None,
    };
    let facts = match engine.load_facts(program, vec![input]) {
        Ok(facts) => facts,
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "failed facts say why");
            common::render(&diagnostics, &engine.sources);
            return;
        }
    };
    let options = Options {
        limits: Limits {
            max_steps: 10_000,
            max_depth: 200,
            max_set_size: 1_000,
        },
        explain: true,
        ..Options::default()
    };
    if let Err(diagnostic) = engine.decide_all(program, &facts, options) {
        common::render(&[diagnostic], &engine.sources);
    }
});
