//! Pol: `bench/reference.pol` loaded with the engine, the countries, items and transfers loaded
//! as facts beforehand, and each transfer decided by its row, as Pol's own benchmark does: one
//! row per call (`Evaluator::decide_into`), or 64 rows per call (`Evaluator::decide_each`).

use std::path::Path;

use pol::check::ir::Program;
use pol::diagnostic::Diagnostic;
use pol::engine::{Engine, FactsInput, Loaded, NoFiles};
use pol::eval::{Decision, Evaluator, Options, Scratch, Verdict};
use pol::facts::{Facts, Format};

use crate::Peer;
use crate::workload::{Outcome, rule_bit};

fn messages(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| diagnostic.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses and checks the policy text.
pub fn load_policy(text: &str) -> Result<Loaded, String> {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    engine
        .load_policy_text("reference.pol", text, None)
        .map_err(|diagnostics| format!("pol policy: {}", messages(&diagnostics)))
}

fn input(record: &str, path: &Path) -> Result<FactsInput, String> {
    Ok(FactsInput {
        name: path.display().to_string(),
        bytes: std::fs::read(path).map_err(|err| format!("cannot read `{}`: {err}", path.display()))?,
        format: Format::Json,
        record: Some(record.to_string()),
        mapping: None,
    })
}

/// Loads the countries, items and transfers as facts of the program.
pub fn load_facts(program: &Program, data_dir: &Path, transfers: &Path) -> Result<Facts, String> {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let inputs = vec![
        input("Country", &data_dir.join("countries.json"))?,
        input("Item", &data_dir.join("items.json"))?,
        input("Transfer", transfers)?,
    ];
    engine
        .load_facts(program, inputs)
        .map_err(|diagnostics| format!("pol facts: {}", messages(&diagnostics)))
}

/// Pol's evaluator over loaded facts.
pub struct PolPeer<'a> {
    evaluator: Evaluator<'a>,
    scratch: Scratch,
    /// The bit in [`Outcome::rules`] of each rule of the program.
    bits: Vec<u16>,
    /// How many rows one call decides: 1, or more to decide in batches.
    batch: usize,
    /// The decision of one row, reused.
    decision: Decision,
    /// The outcomes of the current batch, and the row it starts at.
    decided: Vec<Outcome>,
    first: usize,
}

impl<'a> PolPeer<'a> {
    /// Prepares the evaluator to decide `batch` rows per call; every rule of the program must be
    /// one of the oracle's.
    pub fn new(program: &'a Program, facts: &'a Facts, batch: usize) -> Result<PolPeer<'a>, String> {
        let bits = program
            .rules
            .iter()
            .map(|rule| {
                let id = rule.name.replace('_', "-");
                rule_bit(&id).ok_or_else(|| format!("pol rule `{}` is not in the oracle", rule.name))
            })
            .collect::<Result<_, _>>()?;
        let evaluator = Evaluator::new(program, facts, Options::default())
            .map_err(|diagnostic| format!("pol evaluator: {}", diagnostic.message))?;
        Ok(PolPeer {
            evaluator,
            scratch: Scratch::new(),
            bits,
            batch: batch.max(1),
            decision: Decision::new(0),
            decided: Vec::new(),
            first: 0,
        })
    }

    /// How many transfers the facts hold.
    pub fn subjects(&self) -> usize {
        self.evaluator.subjects().len()
    }
}

/// A decision as the oracle writes it: whether it permits, and its deciding rules as bits.
fn outcome(bits: &[u16], decision: &Decision) -> Outcome {
    let rules = decision
        .deciding
        .iter()
        .fold(0, |rules, rule| rules | bits[rule.idx()]);
    Outcome {
        allow: decision.verdict == Verdict::Permit,
        rules,
    }
}

impl Peer for PolPeer<'_> {
    fn decide(&mut self, row: usize, _transfer: &crate::workload::Transfer) -> Result<Outcome, String> {
        let subject = u32::try_from(row).map_err(|_| format!("row {row} is out of range"))?;
        if self.batch == 1 {
            self.evaluator
                .decide_into(&mut self.scratch, subject, &mut self.decision)
                .map_err(|diagnostic| format!("pol, transfer {row}: {}", diagnostic.message))?;
            return Ok(outcome(&self.bits, &self.decision));
        }
        if !(self.first..self.first + self.decided.len()).contains(&row) {
            // Decide the batch that starts at this row, in one call.
            let end = (subject as usize + self.batch).min(self.subjects());
            let subjects: Vec<u32> = (subject..end as u32).collect();
            let mut decided = std::mem::take(&mut self.decided);
            decided.clear();
            let mut failed = None;
            let bits = &self.bits;
            self.evaluator
                .decide_each(&mut self.scratch, &subjects, |subject, decision| match decision {
                    Ok(decision) => decided.push(outcome(bits, decision)),
                    Err(diagnostic) => {
                        failed = Some(format!("pol, transfer {subject}: {}", diagnostic.message))
                    }
                });
            self.decided = decided;
            self.first = row;
            if let Some(message) = failed {
                return Err(message);
            }
        }
        Ok(self.decided[row - self.first])
    }
}
