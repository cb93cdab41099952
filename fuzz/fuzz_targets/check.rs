//! Any UTF-8 text as a policy: loading (parse, imports, check) must give a program or diagnostics.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pol::engine::{Engine, NoFiles};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    engine.max_nesting = 64;
    match engine.load_policy_text("fuzz.pol", text, None) {
        Ok(loaded) => common::render(&loaded.checked.diagnostics, &engine.sources),
        Err(diagnostics) => {
            assert!(
                diagnostics.iter().any(pol::diagnostic::Diagnostic::is_error),
                "a failed load has an error"
            );
            common::render(&diagnostics, &engine.sources);
        }
    }
});
