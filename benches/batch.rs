//! The batch benchmark: `pol run` end to end on 1,000,000 transfers as JSON Lines (the 10,000
//! transfers of `bench/data` repeated), from process start to exit, with the process's peak
//! memory; and `pol run` on the small bundled example, from start to exit.
//!
//! Run with `cargo bench --bench batch`. The transfers file is generated under the target
//! directory the first time.

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

/// Runs `pol` with these arguments, returning the wall time and the peak resident memory in KiB
/// (read from `/proc` while it runs: the high-water mark, so the last reading is the peak).
fn run(args: &[&str]) -> (Duration, Option<u64>) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
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
            assert!(status.success(), "pol {args:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (start.elapsed(), peak)
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
}
