//! Parse and check timings, stage by stage: the reference policy and a generated policy of
//! 10,010 rules, each through the whole engine load (parse, check) and through parse and
//! check alone, beside the cheapest pest grammar that only reads the text's tokens (the floor
//! any pest grammar of Pol stands on).
//!
//! Run with `cargo bench --bench parse`; each figure is the median of several runs.
//! The target is the generated policy parsed and checked within 100 ms on one core:
//! `taskset -c 0 cargo bench --bench parse` (a large text is otherwise parsed in pieces on
//! every core).
//!
//! Timings move with the load of a shared machine, instruction counts do not.
//! `cargo bench --bench parse -- once` parses the generated policy once, checks it once, reads
//! its tokens once with the floor grammar and loads it once into a new engine, each in a
//! function of its own (`parse_once`, `check_once`, `tokenise_once`, `load_once`), so that
//! callgrind counts them apart:
//! `valgrind --tool=callgrind --callgrind-out-file=parse.out target/release/deps/parse-<hash> once`,
//! then `callgrind_annotate --inclusive=yes parse.out | grep -E '_once'`.
//! Under callgrind the text is parsed in pieces on as many threads as the machine has cores,
//! and `parse_once` counts only the calling thread's: the parse is `lower_piece` (every piece,
//! on every thread) with `grammar::scan` and `syntax::comments`, or `parse_once` under
//! `taskset -c 0`, where the text is one piece.

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

/// The cheapest pest grammar that reads a Pol text as its tokens, a pair for each (a word, a
/// string, a punctuation mark), with whitespace and comments skipped between them as
/// grammar/unchecked.pest skips them: what pest costs on this text whatever the grammar, the
/// floor any grammar of Pol in pest stands on (lowering then walks the pairs, which this leaves
/// out).
mod floor {
    use pest_derive::Parser;

    /// The tokenising parser.
    #[derive(Parser)]
    #[grammar_inline = r#"
WHITESPACE = _{ " " | "\n" | "\t" | "\r\n" | "//" ~ (!"\n" ~ ANY)* }
tokens = ${ SOI ~ WHITESPACE* ~ ((word | string | punct) ~ WHITESPACE*)* ~ EOI }
word = @{ ('a'..'z' | "_" | '0'..'9' | 'A'..'Z') ~ ('a'..'z' | "_" | '0'..'9' | 'A'..'Z')* }
string = @{ "\"" ~ (!("\"" | "\\") ~ ANY)* ~ ("\\" ~ ANY ~ (!("\"" | "\\") ~ ANY)*)* ~ "\"" }
punct = @{ "==" | "!=" | "<=" | ">=" | ANY }
"#]
    pub struct FloorParser;
}

/// Tokenises a text with [`floor::FloorParser`]: its pairs, not walked.
fn tokenise(text: &str) -> pest::iterators::Pairs<'_, floor::Rule> {
    use pest::Parser;
    floor::FloorParser::parse(floor::Rule::tokens, text).unwrap()
}

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
    // The engine is handed back with what it loaded, so that freeing it (the module cache frees
    // a large policy's trees on another thread) comes after the clock stops, as for the others.
    let load = median_ms(runs, || {
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text(label, text, None).unwrap();
        (engine, loaded)
    });
    let floor = median_ms(runs, || tokenise(text));
    println!("{label}");
    println!("  pest floor (tokens only)    {floor:>10.3} ms");
    println!("  parse                       {parse:>10.3} ms");
    println!("  check                       {check:>10.3} ms");
    println!("  engine load (parse + check) {load:>10.3} ms");
}

/// Parses a text once; a function of its own, so that callgrind counts it apart.
#[inline(never)]
fn parse_once(sources: &SourceMap, id: SourceId) -> Module {
    pol::syntax::parse(sources, id).unwrap()
}

/// Tokenises a text once with the floor grammar; a function of its own, so that callgrind
/// counts it apart.
#[inline(never)]
fn tokenise_once(text: &str) {
    std::hint::black_box(tokenise(text));
}

/// Loads a policy text into a new engine once (parse and check, as `pol` does); a function of
/// its own, so that callgrind counts it apart.
#[inline(never)]
fn load_once(text: &str) {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    std::hint::black_box(engine.load_policy_text("generated.pol", text, None).unwrap());
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
        tokenise_once(&sources.get(id).text);
        load_once(&sources.get(id).text);
        return;
    }
    let reference = std::fs::read_to_string(root().join("bench/reference.pol")).unwrap();
    report("reference.pol", &reference, 51);
    report("generated.pol (10,010 rules)", &generated_policy(10_000), 11);
}
