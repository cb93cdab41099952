//! Parse and check timings, stage by stage: the reference policy and a generated policy of
//! 10,010 rules, each through the whole engine load (parse, check) and through parse and
//! check alone.
//!
//! Run with `cargo bench --bench parse`. Each figure is the median of several runs.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use pol::engine::{Engine, NoFiles};
use pol::source::SourceMap;

#[path = "support/common.rs"]
mod common;
use common::{generated_policy, root};

/// Median of `runs` timings of `work`, in milliseconds.
fn median_ms<T>(runs: usize, work: impl FnMut() -> T) -> f64 {
    common::median(runs, work).as_secs_f64() * 1e3
}

fn report(label: &str, text: &str, runs: usize) {
    let mut sources = SourceMap::new();
    let id = sources.add(label, text);
    let parse = median_ms(runs, || pol::syntax::parse(&sources, id).unwrap());
    let module = pol::syntax::parse(&sources, id).unwrap();
    let modules = [module];
    let check = median_ms(runs, || pol::check::check(&modules).unwrap());
    let files = NoFiles;
    let load = median_ms(runs, || {
        let mut engine = Engine::new(&files, Vec::new());
        engine.load_policy_text(label, text, None).unwrap()
    });
    println!("{label}");
    println!("  parse                       {parse:>10.3} ms");
    println!("  check                       {check:>10.3} ms");
    println!("  engine load (parse + check) {load:>10.3} ms");
}

fn main() {
    let reference = std::fs::read_to_string(root().join("bench/reference.pol")).unwrap();
    report("reference.pol", &reference, 51);
    report("generated.pol (10,010 rules)", &generated_policy(10_000), 11);
}
