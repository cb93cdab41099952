//! Parse and check timings, stage by stage: the reference policy and a generated policy of
//! 10,010 rules, each through the whole engine load (parse, check) and through parse and
//! check alone.
//!
//! Run with `cargo bench --bench parse`. Each figure is the median of several runs.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pol::engine::{Engine, NoFiles};
use pol::source::SourceMap;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reference policy followed by `n_rules` generated rules, as in the `decide` bench.
fn generated_policy(n_rules: usize) -> String {
    let mut text = std::fs::read_to_string(root().join("bench/reference.pol")).unwrap();
    for idx in 0..n_rules {
        let effect = if idx % 3 == 0 { "deny" } else { "permit" };
        text.push_str(&format!(
            "\nrule generated_{idx}: {effect} {{\n  when t.item.category == \"c{idx}\" and t.destination.security_partner\n  when t.date >= 2020-01-01 and not t.item.lethal\n  because \"generated rule {idx}\"\n}}\n"
        ));
    }
    text
}

/// Median of `runs` timings of `work`, in milliseconds. What `work` returns is dropped after
/// the clock stops: freeing a result is not making it.
fn median_ms<T>(runs: usize, mut work: impl FnMut() -> T) -> f64 {
    let mut timings: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let result = black_box(work());
            let elapsed = start.elapsed();
            drop(result);
            elapsed
        })
        .collect();
    timings.sort();
    timings[runs / 2].as_secs_f64() * 1e3
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
