//! What the `decide` and `parse` benches share: where the repository is, the generated policy of
//! many rules, and the median of timed runs.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reference policy followed by `n_rules` generated rules.
pub fn generated_policy(n_rules: usize) -> String {
    let mut text = std::fs::read_to_string(root().join("bench/reference.pol")).unwrap();
    for idx in 0..n_rules {
        let effect = if idx % 3 == 0 { "deny" } else { "permit" };
        text.push_str(&format!(
            "\nrule generated_{idx}: {effect} {{\n  when t.item.category == \"c{idx}\" and t.destination.security_partner\n  when t.date >= 2020-01-01 and not t.item.lethal\n  because \"generated rule {idx}\"\n}}\n"
        ));
    }
    text
}

/// The median of `runs` timings of `work`. What `work` returns is dropped after the clock stops:
/// freeing a result is not making it.
pub fn median<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
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
    timings[runs / 2]
}
