//! Printing: any policy that parses prints to text that parses again and prints the same.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pol::engine::{Engine, NoFiles};

const MAX_NESTING: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let id = engine.sources.add("fuzz.pol", text);
    let Ok(module) = pol::syntax::parse_with_limit(&engine.sources, id, MAX_NESTING) else {
        return;
    };
    let printed = pol::syntax::print::print(&module, text);
    let again = engine.sources.add("printed.pol", printed.as_str());
    let reparsed = match pol::syntax::parse_with_limit(&engine.sources, again, MAX_NESTING) {
        Ok(module) => module,
        Err(diagnostics) => panic!("printed text parses again:\n{printed}\n{diagnostics:?}"),
    };
    let reprinted = pol::syntax::print::print(&reparsed, &printed);
    assert_eq!(printed, reprinted, "printing is idempotent");
});
