//! Any bytes as a policy text: decoding and parsing must give a module or diagnostics, never panic.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pol::engine::{Engine, NoFiles};

/// A small nesting limit, so deep inputs reach the limit's diagnostic quickly.
const MAX_NESTING: usize = 64;

fuzz_target!(|data: &[u8]| {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let id = match engine.add_bytes("fuzz.pol".to_owned(), data.to_vec()) {
        Ok(id) => id,
        Err(diagnostic) => {
            common::render(&[diagnostic], &engine.sources);
            return;
        }
    };
    if let Err(diagnostics) = pol::syntax::parse_with_limit(&engine.sources, id, MAX_NESTING) {
        assert!(!diagnostics.is_empty(), "a failed parse says why");
        common::render(&diagnostics, &engine.sources);
    }
});
