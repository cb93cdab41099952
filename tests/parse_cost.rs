//! What parsing a large policy costs, counted in pest's calls (rules, sequences, repetitions,
//! lookaheads), which unlike time do not move with the machine or its load: a policy of generated
//! rules parses within a budget of calls for each rule. pest's call limit is one switch for the
//! whole process, so this file holds one test.

use std::num::NonZeroUsize;

use pol::source::SourceMap;

/// Rules in the generated policy: few enough that the text is parsed in one piece, by one
/// parser (a text of 64 KiB or more is cut into pieces, each parsed with its own count).
const N_RULES: usize = 300;

/// The pest calls one generated rule may cost. The grammar as it stood before its rule
/// declarations and expressions were written for speed (grammar/unchecked.pest) took 942 a rule,
/// most of them skipping whitespace between any two tokens, a sequence of its own each time, and
/// looking ahead for keywords; 489 with them written for speed, and 442 now that the unchecked
/// parser reads a text with its comments made spaces, whitespace without comments.
const CALLS_PER_RULE: usize = 480;

/// A policy of `n_rules` rules of the shape the parse benchmark generates (benches/parse.rs).
fn generated(n_rules: usize) -> String {
    let mut text = String::from("policy \"generated\"\n");
    for idx in 0..n_rules {
        let effect = if idx % 3 == 0 { "deny" } else { "permit" };
        text.push_str(&format!(
            "\nrule generated_{idx}: {effect} {{\n  when t.item.category == \"c{idx}\" and t.destination.security_partner\n  when t.date >= 2020-01-01 and not t.item.lethal\n  because \"generated rule {idx}\"\n}}\n"
        ));
    }
    text
}

/// Whether `text` parses when pest may make at most `limit` calls while parsing it.
fn parses_within(text: &str, limit: usize) -> bool {
    pest::set_call_limit(NonZeroUsize::new(limit));
    let mut sources = SourceMap::new();
    let id = sources.add("generated.pol", text);
    let parsed = pol::syntax::parse(&sources, id).is_ok();
    pest::set_call_limit(None);
    parsed
}

/// The fewest pest calls `text` parses within, found by halving.
fn calls_needed(text: &str) -> usize {
    let (mut low, mut high) = (1, 1 << 30);
    assert!(parses_within(text, high), "the text parses");
    while low < high {
        let middle = low + (high - low) / 2;
        if parses_within(text, middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    high
}

#[test]
fn generated_rules_parse_within_a_budget_of_pest_calls() {
    let text = generated(N_RULES);
    assert!(text.len() < 64 * 1024, "the text is parsed in one piece");
    let needed = calls_needed(&text);
    assert!(
        needed <= N_RULES * CALLS_PER_RULE,
        "{N_RULES} rules took {needed} pest calls, {} a rule, over the budget of {CALLS_PER_RULE}",
        needed / N_RULES
    );
}
