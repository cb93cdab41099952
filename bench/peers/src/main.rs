//! Pol beside its peers on the reference workload: the same ten rules written in Pol, in Cedar
//! and in Rego (regorus, tree-walking interpreter and bytecode VM), every transfer decided by
//! each engine on one thread, every decision and its deciding rules checked against the oracle,
//! and the time per decision and to parse or compile each policy printed.
//!
//! Run with `cargo run --release` in `bench/peers`; `--small` keeps to the 10,000 transfers of
//! `bench/data` even when the 100,000 are present. Exits non-zero if any engine disagrees with
//! the oracle. Figures move by tens of percent between runs on shared machines: compare engines
//! within one run.

mod cedar_peer;
mod pol_peer;
mod rego_peer;
mod workload;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use workload::{Outcome, Transfer, Workload, rule_names};

/// An engine deciding one transfer at a time.
pub trait Peer {
    /// Decides the transfer at `row` of the workload, building the engine's request from
    /// `transfer` when the engine takes one.
    fn decide(&mut self, row: usize, transfer: &Transfer) -> Result<Outcome, String>;

    /// Builds the engine's request for `transfer` and drops it, to time that part alone; engines
    /// that take no request build nothing.
    fn build_request(&self, _transfer: &Transfer) -> Result<(), String> {
        Ok(())
    }
}

/// Timed passes over all transfers per engine; the median is reported.
const RUNS: usize = 3;
/// Timed parses or compiles of each policy; the median is reported.
const COMPILE_RUNS: usize = 11;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median time of `work`, which parses or compiles a policy.
fn compile_time<T>(mut work: impl FnMut() -> Result<T, String>) -> Result<Duration, String> {
    let mut samples = Vec::with_capacity(COMPILE_RUNS);
    for _ in 0..COMPILE_RUNS {
        let start = Instant::now();
        black_box(work()?);
        samples.push(start.elapsed());
    }
    Ok(median(samples))
}

/// What one engine achieved.
struct Measured {
    name: &'static str,
    ns_per_decision: f64,
    ns_per_request: f64,
    compile: Duration,
    disagreements: usize,
}

/// Decides every transfer `RUNS` times, then compares the last pass with the oracle.
fn measure(
    name: &'static str,
    peer: &mut dyn Peer,
    workload: &Workload,
    compile: Duration,
) -> Result<Measured, String> {
    eprintln!("timing {name}");
    let n = workload.transfers.len();
    let mut outcomes = Vec::with_capacity(n);
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        outcomes.clear();
        let start = Instant::now();
        for (row, transfer) in workload.transfers.iter().enumerate() {
            outcomes.push(peer.decide(row, black_box(transfer))?);
        }
        samples.push(start.elapsed());
    }
    let mut request_samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        for transfer in &workload.transfers {
            peer.build_request(black_box(transfer))?;
        }
        request_samples.push(start.elapsed());
    }
    let mut disagreements = 0;
    for (row, (got, want)) in outcomes.iter().zip(&workload.expected).enumerate() {
        if got != want {
            if disagreements < 5 {
                eprintln!(
                    "{name}: transfer {row}: allow {} by {:?}, the oracle says allow {} by {:?}",
                    got.allow,
                    rule_names(got.rules),
                    want.allow,
                    rule_names(want.rules)
                );
            }
            disagreements += 1;
        }
    }
    Ok(Measured {
        name,
        ns_per_decision: median(samples).as_nanos() as f64 / n as f64,
        ns_per_request: median(request_samples).as_nanos() as f64 / n as f64,
        compile,
        disagreements,
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|err| format!("cannot read `{}`: {err}", path.display()))
}

fn run(small: bool) -> Result<bool, String> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = here.join("../..");
    let policies = here.join("policies");
    let pol_text = read(&repo.join("bench/reference.pol"))?;
    let cedar_text = read(&policies.join("reference.cedar"))?;
    let cedar_schema = read(&policies.join("reference.cedarschema"))?;
    let rego_text = read(&policies.join("reference.rego"))?;

    eprintln!("loading the workload");
    let workload = workload::load(&repo, small)?;
    let n = workload.transfers.len();
    let mut results = Vec::new();

    // Pol: facts (countries, items, transfers) loaded beforehand; a decision is one row.
    let loaded = pol_peer::load_policy(&pol_text)?;
    let program = &loaded.checked.program;
    let facts = pol_peer::load_facts(program, &workload.data_dir, &workload.transfers_path)?;
    let mut pol = pol_peer::PolPeer::new(program, &facts, 1)?;
    if pol.subjects() != n {
        return Err(format!("pol loaded {} transfers, not {n}", pol.subjects()));
    }
    let compile = compile_time(|| pol_peer::load_policy(&pol_text))?;
    results.push(measure("Pol", &mut pol, &workload, compile)?);
    let mut pol_batches = pol_peer::PolPeer::new(program, &facts, 64)?;
    results.push(measure("Pol, 64 per call", &mut pol_batches, &workload, compile)?);

    // Cedar: countries and items as entities beforehand; each transfer becomes a request.
    let policy_set = cedar_peer::parse_policies(&cedar_text)?;
    let schema = cedar_peer::validate(&cedar_schema, &policy_set)?;
    let mut cedar = cedar_peer::CedarPeer::new(policy_set, &schema, &workload.countries, &workload.items)?;
    let compile = compile_time(|| cedar_peer::parse_policies(&cedar_text))?;
    results.push(measure("Cedar", &mut cedar, &workload, compile)?);

    // Rego: countries and items as data beforehand; each transfer becomes the input.
    let data = rego_peer::data(&workload.countries, &workload.items);
    let mut vm = rego_peer::RegoVm::new(rego_peer::compile_program(&rego_text)?, data.clone())?;
    let compile = compile_time(|| rego_peer::compile_program(&rego_text))?;
    results.push(measure("Rego, regorus bytecode VM", &mut vm, &workload, compile)?);
    let mut interpreter = rego_peer::RegoInterpreter::new(rego_peer::parse_policy(&rego_text)?, data)?;
    let compile = compile_time(|| rego_peer::parse_policy(&rego_text))?;
    results.push(measure(
        "Rego, regorus interpreter",
        &mut interpreter,
        &workload,
        compile,
    )?);

    let pol_ns = results[0].ns_per_decision;
    println!(
        "reference workload: {n} transfers of `{}`, 10 rules, one thread, facts loaded beforehand, each engine's request built in the timed loop, median of {RUNS} runs",
        workload
            .transfers_path
            .file_name()
            .map(|name| name.to_string_lossy())
            .unwrap_or_default()
    );
    println!(
        "{:<28}{:>14}{:>10}{:>22}{:>18}{:>15}",
        "engine", "ns/decision", "vs Pol", "of which request ns", "parse/compile ms", "disagreements"
    );
    for result in &results {
        println!(
            "{:<28}{:>14.0}{:>9.1}x{:>22.0}{:>18.3}{:>15}",
            result.name,
            result.ns_per_decision,
            result.ns_per_decision / pol_ns,
            result.ns_per_request,
            result.compile.as_secs_f64() * 1e3,
            result.disagreements
        );
    }
    Ok(results.iter().all(|result| result.disagreements == 0))
}

fn main() -> ExitCode {
    let mut small = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--small" => small = true,
            _ => {
                eprintln!("error: unknown argument `{arg}`; the only option is `--small`");
                return ExitCode::from(2);
            }
        }
    }
    match run(small) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: an engine disagrees with the oracle");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
