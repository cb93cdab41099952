//! Latency of `pol lsp`: the reference policy with 5,000 generated rules opened, then edits one
//! at a time (a field misspelt, then put right, in a rule in the middle), each timed from the
//! change sent to its diagnostics received; p50, p99 and the largest, and the process's memory
//! (resident set) after 1,000, 5,000 and 10,000 edits and at the end, so that growth shows.
//!
//! Run with `cargo bench --bench lsp`; `POL_BENCH_EDITS=N` changes the number of edits (10,000).
//! The server runs on a thread of this process over an in-memory connection, as `pol lsp` does
//! over standard input and output, without the JSON framing.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

/// The allocator the `pol` command uses (`src/bin/pol/main.rs`), so that the server is measured
/// as `pol lsp` runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use pol::session::MemoryFiles;
use serde_json::{Value, json};

#[path = "support/common.rs"]
#[allow(dead_code)] // Only the generated policy is used here.
mod common;
use common::generated_policy;

const N_RULES: usize = 5_000;
const URI: &str = "file:///bench/policy.pol";

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for the diagnostics of the document's version `version`; how many there are.
fn diagnostics_of(client: &Connection, version: i32) -> usize {
    loop {
        match client.receiver.recv_timeout(Duration::from_secs(600)).unwrap() {
            Message::Notification(note)
                if note.method == "textDocument/publishDiagnostics"
                    && note.params["uri"] == URI
                    && note.params["version"] == version =>
            {
                return note.params["diagnostics"].as_array().unwrap().len();
            }
            _ => {}
        }
    }
}

fn notify(client: &Connection, method: &str, params: Value) {
    client
        .sender
        .send(Notification::new(method.to_string(), params).into())
        .unwrap();
}

fn main() {
    let n_edits: usize = std::env::var("POL_BENCH_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let text = generated_policy(N_RULES);
    let files: &'static MemoryFiles = Box::leak(Box::new(MemoryFiles::new()));
    let (server_side, client) = Connection::memory();
    let server =
        std::thread::spawn(move || pol::lsp::serve(&server_side, files, pol::lsp::Config::default()));

    client
        .sender
        .send(
            Request::new(
                RequestId::from(1),
                "initialize".to_string(),
                json!({"capabilities": {}, "rootUri": "file:///bench"}),
            )
            .into(),
        )
        .unwrap();
    let opened = Instant::now();
    notify(
        &client,
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "pol", "version": 0, "text": text}}),
    );
    let n_open = diagnostics_of(&client, 0);
    let open_time = opened.elapsed();

    // The field of rule 2,500's first condition: `t.item.category` becomes `t.item.categoryx`
    // (an unknown field, E0203) and back.
    let needle = "t.item.category == \"c2500\"";
    let offset = text.find(needle).unwrap() + "t.item.category".len();
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |idx| idx + 1);
    let mut timings = Vec::with_capacity(n_edits);
    let mut resident = Vec::new();
    let mut n_last = 0;
    for edit in 0..n_edits {
        let version = i32::try_from(edit + 1).unwrap();
        let (end, inserted) = if edit % 2 == 0 {
            (character, "x")
        } else {
            (character + 1, "")
        };
        let started = Instant::now();
        notify(
            &client,
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{
                "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": end}},
                "text": inserted,
            }]}),
        );
        n_last = diagnostics_of(&client, version);
        timings.push(started.elapsed());
        if [1_000, 5_000, 10_000].contains(&(edit + 1)) && edit + 1 < n_edits {
            resident.push((edit + 1, resident_kib()));
        }
    }
    resident.push((n_edits, resident_kib()));
    timings.sort();
    let percentile = |p: f64| {
        let idx = ((timings.len() as f64 - 1.0) * p).round() as usize;
        timings[idx].as_secs_f64() * 1e3
    };
    println!(
        "lsp: {N_RULES} generated rules ({} KiB): open {:.1} ms ({n_open} diagnostics)",
        text.len() / 1024,
        open_time.as_secs_f64() * 1e3
    );
    println!(
        "lsp: {n_edits} edits, each to its diagnostics ({n_last} after the last): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(0.50),
        percentile(0.99),
        timings.last().map_or(0.0, |max| max.as_secs_f64() * 1e3)
    );
    for (n_done, kib) in resident {
        match kib {
            Some(kib) => println!(
                "lsp: resident memory after {n_done} edits: {:.1} MiB",
                kib as f64 / 1024.0
            ),
            None => println!("lsp: resident memory unknown (no /proc/self/status)"),
        }
    }

    client
        .sender
        .send(Request::new(RequestId::from(2), "shutdown".to_string(), Value::Null).into())
        .unwrap();
    notify(&client, "exit", Value::Null);
    assert_eq!(server.join().unwrap(), pol::lsp::Exit::AfterShutdown);
}
