//! The batch benchmark: `pol run` end to end on 1,000,000 transfers as JSON Lines and as CSV (the
//! 10,000 transfers of `bench/data` repeated), from process start to exit, with the process's
//! peak memory; `pol run` on the small bundled example, from start to exit; and the table of the
//! output path: each output of `pol run` on the 1,000,000 transfers (summary, text, JSON, CSV,
//! `--explain` as text, as JSON and compact), output to `/dev/null`, with wall time, processor
//! time (user and system, all threads) and peak memory.
//!
//! Run with `cargo bench --bench batch`. The transfers file is generated under the target
//! directory the first time. With `POL_BASE_BIN=/path/to/pol`, each output is also run with that
//! binary (a build of an earlier commit), the two in turn, and the table shows both side by
//! side; `POL_BENCH_RUNS` sets how many runs of each the table takes the median of (default 1).

#![allow(clippy::unwrap_used)] // Benchmark code: a failed unwrap is a failed run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const N_TRANSFERS: usize = 1_000_000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes the transfers of `bench/data` as JSON Lines, repeated up to `N_TRANSFERS` lines.
fn transfers_file() -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("transfers-1000000.jsonl");
    if path.exists() {
        return path;
    }
    let text = std::fs::read_to_string(root().join("bench/data/transfers-10000.json")).unwrap();
    let transfers: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for transfer in transfers.iter().cycle().take(N_TRANSFERS) {
        writeln!(out, "{transfer}").unwrap();
    }
    out.flush().unwrap();
    path
}

/// Writes the same transfers as CSV, with a header, up to `N_TRANSFERS` rows.
fn transfers_csv_file() -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("transfers-1000000.csv");
    if path.exists() {
        return path;
    }
    let text = std::fs::read_to_string(root().join("bench/data/transfers-10000.json")).unwrap();
    let transfers: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let columns = ["item", "exporter", "destination", "onward", "consent", "date"];
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "{}", columns.join(",")).unwrap();
    for transfer in transfers.iter().cycle().take(N_TRANSFERS) {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| match &transfer[column] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect();
        writeln!(out, "{}", cells.join(",")).unwrap();
    }
    out.flush().unwrap();
    path
}

/// Runs `pol` with these arguments, returning the wall time and the peak resident memory in KiB
/// (read from `/proc` while it runs: the high-water mark, so the last reading is the peak).
fn run(args: &[&str]) -> (Duration, Option<u64>) {
    let measured = run_binary(Path::new(env!("CARGO_BIN_EXE_pol")), args);
    (measured.wall, measured.peak_kib)
}

/// What one run of a binary took.
#[derive(Clone, Copy)]
struct Measured {
    /// From start to exit.
    wall: Duration,
    /// User and system time of the process, all its threads.
    cpu: Duration,
    /// Peak resident memory in KiB, when `/proc` could be read while it ran.
    peak_kib: Option<u64>,
}

/// The processor time (user and system) of this process's children that have been waited for,
/// from `/proc/self/stat` (`cutime` and `cstime`, in ticks of 1/100 s as Linux shows them).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name, in parentheses, may hold spaces: fields are counted after it.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `cutime` and `cstime` are fields 16 and 17 of the line, 14 and 15 after the name.
    let ticks: u64 = fields[13].parse::<u64>().unwrap() + fields[14].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// Runs `binary` with these arguments, output to `/dev/null`: wall time, processor time and peak
/// memory.
fn run_binary(binary: &Path, args: &[&str]) -> Measured {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = None;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path)
            && let Some(kib) = status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        {
            peak = Some(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{} {args:?} failed", binary.display());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Measured {
        wall: start.elapsed(),
        cpu: children_cpu() - cpu_before,
        peak_kib: peak,
    }
}

fn median(mut timings: Vec<Duration>) -> Duration {
    timings.sort();
    timings[timings.len() / 2]
}

fn main() {
    let transfers = transfers_file();
    let transfers = transfers.to_str().unwrap();
    let args = [
        "run",
        "bench/reference.pol",
        "--facts",
        "Country=bench/data/countries.json",
        "Item=bench/data/items.json",
        transfers,
        "--summary",
    ];
    let mut timings = Vec::new();
    let mut peak = 0;
    for _ in 0..3 {
        let (elapsed, kib) = run(&args);
        timings.push(elapsed);
        peak = peak.max(kib.unwrap_or(0));
    }
    println!(
        "pol run, {N_TRANSFERS} transfers as JSON Lines, all cores: {:.2} s (median of 3), peak memory {:.1} MB",
        median(timings).as_secs_f64(),
        peak as f64 / 1024.0
    );
    let csv = transfers_csv_file();
    let csv = format!("Transfer={}", csv.to_str().unwrap());
    let args = [
        "run",
        "bench/reference.pol",
        "--facts",
        "Country=bench/data/countries.json",
        "Item=bench/data/items.json",
        &csv,
        "--summary",
    ];
    let mut timings = Vec::new();
    let mut peak = 0;
    for _ in 0..3 {
        let (elapsed, kib) = run(&args);
        timings.push(elapsed);
        peak = peak.max(kib.unwrap_or(0));
    }
    println!(
        "pol run, {N_TRANSFERS} transfers as CSV, all cores: {:.2} s (median of 3), peak memory {:.1} MB",
        median(timings).as_secs_f64(),
        peak as f64 / 1024.0
    );
    let small = [
        "run",
        "examples/japan/three_principles.pol",
        "--facts",
        "examples/japan/cases.json",
    ];
    let timings: Vec<Duration> = (0..21).map(|_| run(&small).0).collect();
    println!(
        "pol run on examples/japan (27 transfers), start to exit: {:.1} ms (median of 21)",
        median(timings).as_secs_f64() * 1000.0
    );
    output_table(transfers);
}

/// The outputs of `pol run` the output path is measured on: a name and the arguments that follow
/// the facts.
const OUTPUTS: [(&str, &[&str]); 7] = [
    ("summary", &["--summary"]),
    ("text", &[]),
    ("JSON", &["--format", "json"]),
    ("CSV", &["--format", "csv"]),
    ("--explain text", &["--explain"]),
    ("--explain JSON", &["--explain", "--format", "json"]),
    ("--explain=compact", &["--explain=compact", "--format", "json"]),
];

/// The median of each of wall time, processor time and peak memory over some runs.
fn medians(runs: &[Measured]) -> Measured {
    let mut peaks: Vec<u64> = runs.iter().filter_map(|run| run.peak_kib).collect();
    peaks.sort_unstable();
    Measured {
        wall: median(runs.iter().map(|run| run.wall).collect()),
        cpu: median(runs.iter().map(|run| run.cpu).collect()),
        peak_kib: peaks.get(peaks.len() / 2).copied(),
    }
}

/// One cell of the table: wall and processor time in seconds, and peak memory in MB.
fn cell(measured: &Measured) -> String {
    let peak = measured
        .peak_kib
        .map_or_else(|| "?".to_string(), |kib| format!("{:.1}", kib as f64 / 1024.0));
    format!(
        "{:.2} s wall, {:.2} s CPU, {peak} MB",
        measured.wall.as_secs_f64(),
        measured.cpu.as_secs_f64()
    )
}

/// Times each output of `pol run` on the transfers, and those of `POL_BASE_BIN` when it is set,
/// the two binaries in turn, and prints the table.
fn output_table(transfers: &str) {
    let base = std::env::var_os("POL_BASE_BIN").map(PathBuf::from);
    let n_runs: usize = std::env::var("POL_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|runs| *runs > 0)
        .unwrap_or(1);
    let this = PathBuf::from(env!("CARGO_BIN_EXE_pol"));
    println!();
    println!(
        "pol run on {N_TRANSFERS} transfers as JSON Lines, output to /dev/null, median of {n_runs} (CPU: user + sys, all threads):"
    );
    match &base {
        Some(base) => {
            println!(
                "| output | before ({}) | after | CPU after / before |",
                base.display()
            );
            println!("|---|---:|---:|---:|");
        }
        None => {
            println!("| output | this build |");
            println!("|---|---:|");
        }
    }
    let transfers = format!("Transfer={transfers}");
    for (name, flags) in OUTPUTS {
        let mut args = vec![
            "run",
            "bench/reference.pol",
            "--facts",
            "Country=bench/data/countries.json",
            "Item=bench/data/items.json",
            &transfers,
        ];
        args.extend_from_slice(flags);
        let mut before = Vec::new();
        let mut after = Vec::new();
        for _ in 0..n_runs {
            if let Some(base) = &base {
                before.push(run_binary(base, &args));
            }
            after.push(run_binary(&this, &args));
        }
        let after = medians(&after);
        if base.is_some() {
            let before = medians(&before);
            let ratio = after.cpu.as_secs_f64() / before.cpu.as_secs_f64().max(0.01);
            println!("| {name} | {} | {} | {ratio:.2} |", cell(&before), cell(&after));
        } else {
            println!("| {name} | {} |", cell(&after));
        }
    }
}
