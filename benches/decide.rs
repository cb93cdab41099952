//! The reference benchmark: the workload of `bench/data` (and `../shared/bench` for 100,000
//! transfers, when present) decided by Pol and by a hand-written Rust function of the same policy,
//! in one run, with their ratio; plus parse and check times, facts load speed and peak memory.
//!
//! Run with `cargo bench --bench decide`. Figures move by tens of percent between runs on shared
//! machines: compare within one run. On a loaded machine, count instructions instead: build with
//! `cargo bench --bench decide --no-run`, then run the binary it names under
//! `valgrind --tool=callgrind --toggle-collect='*Evaluator*decide_into*' --toggle-collect='*baseline*decide*'`
//! with `POL_BENCH_ONLY_DECIDE=1`, and divide each function's inclusive count by its calls
//! (`callgrind_annotate --inclusive=yes`): `decide_into` is called 61 times per transfer (30 timed
//! runs one at a time, 30 through `decide_each`, which decides the reference policy one subject
//! at a time, and one check), the hand-written `decide` 12 times.
//!
//! "one at a time" is `Evaluator::decide_into` without derivations: the closures of
//! `src/eval/fast/closures.rs` (the instructions of `src/eval/fast/compiled.rs` for a policy they
//! do not build), whose cost per decision is `Closures::decide`: the subject's fields loaded
//! into registers, the rules screened by the fields they open with (or the tree of the rules'
//! conditions run, each shared condition once), and the decision filled. "pol decide" is
//! `Evaluator::decide_each`: one at a time too when the rules are screened, as the reference
//! policy's are, else in batches of 64; with derivations, always in batches. To compare two
//! builds, keep a copy of the first's binary and run both back to back, alternating, several
//! times each, with `uptime` before and after: a change to how a decision runs can move its time
//! by 10% to 20% either way whatever it does to the count of instructions, so trust the time.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

/// The allocator the `pol` command uses (`src/bin/pol/main.rs`), so that loading is measured as
/// the command loads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use pol::engine::{Engine, FactsInput, NoFiles};
use pol::eval::{Decision, Evaluator, Operand, Options, RuleStatus, Scratch, Verdict};
use pol::facts::Format;

#[path = "support/common.rs"]
mod common;
use common::{generated_policy, root};

fn transfers_file() -> (PathBuf, usize) {
    let shared = root().join("../shared/bench/transfers-100000.json");
    if shared.exists() {
        (shared, 100_000)
    } else {
        eprintln!(
            "note: ../shared/bench/transfers-100000.json is absent; using the 10,000 transfers of bench/data"
        );
        (root().join("bench/data/transfers-10000.json"), 10_000)
    }
}

/// Median of `runs` timings of `work`, each over `n` items, in nanoseconds per item.
fn per_item<T>(runs: usize, n: usize, work: impl FnMut() -> T) -> f64 {
    common::median(runs, work).as_nanos() as f64 / n as f64
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

mod baseline {
    //! The policy as a hand-written Rust function over plain structs: the practical limit.

    use std::collections::HashMap;

    #[derive(Clone)]
    pub struct Country {
        pub in_conflict: bool,
        pub security_partner: bool,
        pub embargo_since: Option<i32>,
        pub agreement_since: Option<i32>,
    }

    pub struct Item {
        pub lethal: bool,
        pub five_category: bool,
        pub licensed_from: Option<u32>,
        pub joint_partners: Vec<u32>,
        pub is_component: bool,
    }

    pub struct Transfer {
        pub item: u32,
        pub exporter: u32,
        pub destination: u32,
        pub onward: Option<u32>,
        pub consent: bool,
        pub date: i32,
    }

    pub struct World {
        pub countries: Vec<Country>,
        pub items: Vec<Item>,
        pub transfers: Vec<Transfer>,
    }

    fn date(text: &str) -> i32 {
        pol::value::Date::parse(text)
            .expect("dates in the workload are valid")
            .0
    }

    pub fn load(countries: &str, items: &str, transfers: &str) -> World {
        let countries: Vec<serde_json::Value> = serde_json::from_str(countries).unwrap();
        let index: HashMap<String, u32> = countries
            .iter()
            .enumerate()
            .map(|(idx, country)| (country["code"].as_str().unwrap().to_string(), idx as u32))
            .collect();
        let countries = countries
            .iter()
            .map(|country| Country {
                in_conflict: country["in_conflict"].as_bool().unwrap(),
                security_partner: country["security_partner"].as_bool().unwrap(),
                embargo_since: country["embargo_since"].as_str().map(date),
                agreement_since: country["agreement_since"].as_str().map(date),
            })
            .collect();
        let items: Vec<serde_json::Value> = serde_json::from_str(items).unwrap();
        let item_index: HashMap<String, u32> = items
            .iter()
            .enumerate()
            .map(|(idx, item)| (item["id"].as_str().unwrap().to_string(), idx as u32))
            .collect();
        let items = items
            .iter()
            .map(|item| Item {
                lethal: item["lethal"].as_bool().unwrap(),
                five_category: matches!(
                    item["category"].as_str().unwrap(),
                    "rescue" | "transport" | "warning" | "surveillance" | "minesweeping"
                ),
                licensed_from: item["licensed_from"].as_str().map(|code| index[code]),
                joint_partners: item["joint_partners"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|code| index[code.as_str().unwrap()])
                    .collect(),
                is_component: item["is_component"].as_bool().unwrap(),
            })
            .collect();
        let transfers: Vec<serde_json::Value> = serde_json::from_str(transfers).unwrap();
        let transfers = transfers
            .iter()
            .map(|transfer| Transfer {
                item: item_index[transfer["item"].as_str().unwrap()],
                exporter: index[transfer["exporter"].as_str().unwrap()],
                destination: index[transfer["destination"].as_str().unwrap()],
                onward: transfer["onward"].as_str().map(|code| index[code]),
                consent: transfer["consent"].as_bool().unwrap(),
                date: date(transfer["date"].as_str().unwrap()),
            })
            .collect();
        World {
            countries,
            items,
            transfers,
        }
    }

    /// Whether the transfer is allowed, and a bit set of the deciding rules (1 << rule number).
    pub fn decide(world: &World, transfer: &Transfer) -> (bool, u16) {
        let home = 0u32;
        let c = |idx: u32| &world.countries[idx as usize];
        let item = &world.items[transfer.item as usize];
        let destination = c(transfer.destination);
        let onward = transfer.onward.map(c);
        let embargoed = |country: &Country| country.embargo_since.is_some_and(|since| since <= transfer.date);
        let mut deny = 0u16;
        deny |= u16::from(embargoed(destination));
        deny |= u16::from(onward.is_some_and(embargoed)) << 1;
        deny |= u16::from(item.lethal && destination.in_conflict) << 2;
        deny |= u16::from(item.lethal && onward.is_some_and(|o| o.in_conflict)) << 3;
        if deny != 0 {
            return (false, deny);
        }
        let from_home = transfer.exporter == home;
        let to_licensor = item.licensed_from == Some(transfer.destination);
        let joint = !item.joint_partners.is_empty()
            && (from_home || item.joint_partners.contains(&transfer.exporter));
        let to_partner = item.joint_partners.contains(&transfer.destination);
        let mut permit = 0u16;
        permit |= u16::from(from_home && to_licensor && onward.is_none()) << 4;
        permit |=
            u16::from(from_home && to_licensor && transfer.consent && onward.is_some_and(|o| !o.in_conflict))
                << 5;
        permit |= u16::from(from_home && item.is_component && to_licensor) << 6;
        permit |= u16::from(joint && to_partner) << 7;
        permit |= u16::from(
            joint
                && !to_partner
                && destination
                    .agreement_since
                    .is_some_and(|since| since <= transfer.date)
                && !destination.in_conflict
                && onward.is_none(),
        ) << 8;
        permit |= u16::from(
            from_home
                && !item.lethal
                && item.five_category
                && destination.security_partner
                && (onward.is_none() || transfer.consent),
        ) << 9;
        (permit != 0, permit)
    }
}

fn input(record: &str, path: &Path) -> FactsInput {
    FactsInput {
        name: path.display().to_string(),
        bytes: std::fs::read(path).unwrap(),
        format: Format::Json,
        record: Some(record.to_string()),
        mapping: None,
    }
}

fn main() {
    let files = NoFiles;
    let policy_text = std::fs::read_to_string(root().join("bench/reference.pol")).unwrap();
    let data = root().join("bench/data");
    let (transfers_path, n_transfers) = transfers_file();

    // `POL_BENCH_ONLY_DECIDE=1` skips the parse, check, load and explain timings, and
    // `POL_BENCH_ONLY_EXPLAIN=1` those of parse, check, load and plain decisions (for profiling).
    let only_decide = std::env::var_os("POL_BENCH_ONLY_DECIDE").is_some();
    let only_explain = std::env::var_os("POL_BENCH_ONLY_EXPLAIN").is_some();
    let (parse_runs, big_runs, load_runs) = if only_decide || only_explain {
        (1, 0, 1)
    } else {
        (21, 5, 5)
    };
    // Parse and check.
    let parse_check = per_item(parse_runs, 1, || {
        let mut engine = Engine::new(&files, Vec::new());
        engine
            .load_policy_text("reference.pol", &policy_text, None)
            .unwrap()
    });
    let big = generated_policy(10_000);
    let parse_check_big = per_item(big_runs.max(1), 1, || {
        (big_runs > 0).then(|| {
            let mut engine = Engine::new(&files, Vec::new());
            engine.load_policy_text("generated.pol", &big, None).unwrap()
        })
    });

    // Facts.
    let mut engine = Engine::new(&files, Vec::new());
    let loaded = engine
        .load_policy_text("reference.pol", &policy_text, None)
        .unwrap();
    let program = &loaded.checked.program;
    let transfers_bytes = std::fs::metadata(&transfers_path).unwrap().len() as f64;
    let inputs = || {
        vec![
            input("Country", &data.join("countries.json")),
            input("Item", &data.join("items.json")),
            input("Transfer", &transfers_path),
        ]
    };
    let load_ms = per_item(load_runs, 1, || {
        let mut engine = Engine::new(&files, Vec::new());
        engine.load_facts(program, inputs()).unwrap()
    }) / 1e6;
    let facts = engine.load_facts(program, inputs()).unwrap();

    // Decisions, single thread, facts loaded.
    let evaluator = Evaluator::new(program, &facts, Options::default()).unwrap();
    let explaining = Evaluator::new(
        program,
        &facts,
        Options {
            explain: true,
            ..Options::default()
        },
    )
    .unwrap();
    let subjects: Vec<u32> = evaluator.subjects().collect();
    // Every decision is handed over by reference, its buffers reused: no allocation per decision.
    let mut scratch = Scratch::new();
    let decide_runs = match (only_decide, only_explain) {
        (true, _) => 30,
        (_, true) => 1,
        // As many runs as the hand-written function's below.
        _ => 11,
    };
    let pol_ns = per_item(decide_runs, subjects.len(), || {
        evaluator.decide_each(&mut scratch, &subjects, |_, decision| {
            black_box(decision.unwrap());
        });
    });
    let mut decision = Decision::new(0);
    let one_ns = per_item(decide_runs, subjects.len(), || {
        for subject in &subjects {
            evaluator
                .decide_into(&mut scratch, *subject, &mut decision)
                .unwrap();
            black_box(&decision);
        }
    });
    let explain_runs = match (only_decide, only_explain) {
        (true, _) => 0,
        (_, true) => 30,
        _ => 11,
    };
    let explain_ns = per_item(explain_runs.max(1), subjects.len(), || {
        if explain_runs == 0 {
            return;
        }
        explaining.decide_each(&mut scratch, &subjects, |_, decision| {
            black_box(decision.unwrap());
        });
    });
    // The same, each derivation read through as a report would: every rule's status, and every
    // part's truth and operands.
    let walk_ns = per_item(explain_runs.max(1), subjects.len(), || {
        if explain_runs == 0 {
            return;
        }
        explaining.decide_each(&mut scratch, &subjects, |_, decision| {
            let Some(trace) = &decision.unwrap().trace else {
                return;
            };
            // What is read is summed, so that it is not optimised away.
            let mut read = 0usize;
            for rule in trace.rules() {
                read += matches!(rule.status(), RuleStatus::Decided) as usize;
                for part in rule.parts() {
                    read += part.truth() as usize;
                    if let Some((Operand::Value(left), _)) = part.operands() {
                        read += matches!(left, pol::value::Value::Record(_)) as usize;
                    }
                }
            }
            black_box(read);
        });
    });
    let world = baseline::load(
        &std::fs::read_to_string(data.join("countries.json")).unwrap(),
        &std::fs::read_to_string(data.join("items.json")).unwrap(),
        &std::fs::read_to_string(&transfers_path).unwrap(),
    );
    let baseline_ns = per_item(11, world.transfers.len(), || {
        for transfer in &world.transfers {
            black_box(baseline::decide(&world, black_box(transfer)));
        }
    });
    // The two must agree before their speeds mean anything.
    for (subject, transfer) in subjects.iter().zip(&world.transfers) {
        let decision = evaluator.decide(&mut scratch, *subject).unwrap();
        let (allow, _) = baseline::decide(&world, transfer);
        assert_eq!(decision.verdict == Verdict::Permit, allow, "transfer {subject}");
    }

    println!("reference workload: {n_transfers} transfers, 10 rules, single thread, facts loaded");
    println!("  pol decide                  {pol_ns:>10.1} ns/decision");
    println!("  pol decide, one at a time    {one_ns:>10.1} ns/decision");
    println!("  pol decide with --explain   {explain_ns:>10.1} ns/decision");
    println!("    and each derivation read  {walk_ns:>10.1} ns/decision");
    println!("  hand-written Rust           {baseline_ns:>10.1} ns/decision");
    println!("  ratio pol / hand-written    {:>10.2}x", pol_ns / baseline_ns);
    println!(
        "  ratio one at a time / hand-written {:>3.2}x",
        one_ns / baseline_ns
    );
    println!(
        "  ratio explain / hand-written{:>10.2}x",
        explain_ns / baseline_ns
    );
    println!("parse + check");
    println!("  reference policy            {:>10.3} ms", parse_check / 1e6);
    println!("  generated, 10,010 rules     {:>10.3} ms", parse_check_big / 1e6);
    println!("facts");
    println!(
        "  load (countries, items, transfers: {:.1} MB of transfers) {load_ms:.1} ms = {:.1} ms/MB",
        transfers_bytes / 1e6,
        load_ms / (transfers_bytes / 1e6)
    );
    if let Some(kib) = peak_memory_kib() {
        println!("peak memory (whole bench process) {:.1} MB", kib as f64 / 1024.0);
    }
}
