//! Parse and check timings, stage by stage: the reference policy and a generated policy of
//! 10,010 rules, each through the whole engine load (parse, check) and through parse and
//! check alone.
//!
//! Run with `cargo bench --bench parse`; each figure is the median of several runs.
//! The target is the generated policy parsed and checked within 100 ms on one core:
//! `taskset -c 0 cargo bench --bench parse` (a large text is otherwise parsed in pieces on
//! every core).
//!
//! Timings move with the load of a shared machine, instruction counts do not.
//! `cargo bench --bench parse -- once` parses the generated policy once and checks it once,
//! each in a function of its own (`parse_once`, `check_once`), so that callgrind counts them
//! apart:
//! `valgrind --tool=callgrind --callgrind-out-file=parse.out target/release/deps/parse-<hash> once`,
//! then `callgrind_annotate --inclusive=yes parse.out | grep -E 'parse_once|check_once'`.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

/// The allocator the `pol` command uses (`src/bin/pol/main.rs`), so that loading is measured as
/// the command loads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pol::engine::{Engine, NoFiles};
use pol::source::{SourceId, SourceMap};
use pol::syntax::ast::Module;

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

/// Parses a text once; a function of its own, so that callgrind counts it apart.
#[inline(never)]
fn parse_once(sources: &SourceMap, id: SourceId) -> Module {
    pol::syntax::parse(sources, id).unwrap()
}

/// Checks a module once; a function of its own, so that callgrind counts it apart.
#[inline(never)]
fn check_once(modules: &[Module]) {
    std::hint::black_box(pol::check::check(modules).unwrap());
}

fn main() {
    if std::env::args().any(|arg| arg == "once") {
        let mut sources = SourceMap::new();
        let id = sources.add("generated.pol", generated_policy(10_000));
        let modules = [parse_once(&sources, id)];
        check_once(&modules);
        return;
    }
    let reference = std::fs::read_to_string(root().join("bench/reference.pol")).unwrap();
    report("reference.pol", &reference, 51);
    report("generated.pol (10,010 rules)", &generated_policy(10_000), 11);
}
