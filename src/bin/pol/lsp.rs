//! `pol lsp`: the language server of `pol::lsp` on standard input and output, reading policies
//! from the disk, with a read-only copy of each stdlib module in the user's cache folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use lsp_server::Connection;
use pol::diagnostic::Setting;

use crate::console;
use crate::files::DiskFiles;

/// Help shown after the options of `pol lsp --help`.
pub(crate) const LSP_HELP: &str = "\
Speaks the Language Server Protocol (JSON-RPC with Content-Length framing) on standard input and
output, for editors: diagnostics as you type, hover, go to definition, references, completion,
outline and formatting. Nothing but protocol messages is written on standard output; errors go
to standard error. docs/lsp.md lists the capabilities and settings.

The stdlib modules are copied, read-only, under $XDG_CACHE_HOME/pol (or ~/.cache/pol), so that
an editor can open a definition in them; without a cache folder they are named pol-std:///NAME.pol.

Exit status: 0 after `shutdown` then `exit`; 1 after `exit` without `shutdown`, or when the
client closes standard input first.";

#[derive(clap::Args, Debug)]
pub(crate) struct LspArgs {
    /// Also allow imports from this directory (besides the policy's own and the editor's
    /// workspace folders).
    #[arg(long = "lib", value_name = "DIR")]
    lib: Vec<PathBuf>,
    /// Deepest nesting of expressions and brackets accepted in a policy (at most 100000).
    #[arg(long, value_name = "N", default_value_t = pol::syntax::DEFAULT_MAX_NESTING, value_parser = crate::levels::<usize>())]
    pub(crate) max_nesting: usize,
    /// Largest policy text checked, from the disk or from the editor, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = pol::engine::DEFAULT_MAX_POLICY_BYTES)]
    max_policy_bytes: u64,
    /// Do not count the editor's workspace folders as library directories.
    #[arg(long)]
    no_workspace_lib: bool,
    /// Accepted for editors that pass it: standard input and output are always used.
    #[arg(long, hide = true)]
    stdio: bool,
}

/// Serves one editor until it exits; the exit status the protocol asks for.
pub(crate) fn lsp(args: LspArgs) -> u8 {
    let roots = args
        .lib
        .iter()
        .map(|dir| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()))
        .collect();
    let stdlib_dir = cache_dir().and_then(|dir| write_stdlib(&dir).ok());
    let config = pol::lsp::Config {
        roots,
        workspace_as_library: !args.no_workspace_lib,
        max_nesting: args.max_nesting,
        max_policy_bytes: args.max_policy_bytes,
        stdlib_dir,
        docs_url: pol::lsp::DEFAULT_DOCS_URL.to_string(),
        setting_words,
    };
    let (connection, io_threads) = Connection::stdio();
    let exit = pol::lsp::serve(&connection, &DiskFiles, config);
    // Dropping the connection lets the writer finish sending what is queued.
    drop(connection);
    if let Err(error) = io_threads.join() {
        console::eprint(&format!("error: pol lsp: the connection ended: {error}\n"));
    }
    exit.code()
}

/// The words ending a help that asks to change a setting `pol lsp` has a flag for.
fn setting_words(setting: &Setting) -> Option<String> {
    match setting {
        Setting::MaxNesting => Some(" with `pol lsp --max-nesting`".to_owned()),
        Setting::PolicyBytes => Some(" with `pol lsp --max-policy-bytes`".to_owned()),
        Setting::LibraryDir => Some(" with `pol lsp --lib DIR`".to_owned()),
        _ => None,
    }
}

/// The user's cache folder for Pol: `$XDG_CACHE_HOME/pol`, else `~/.cache/pol`.
fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("pol"))
}

/// Writes each stdlib module as `NAME.pol` in a folder of `cache` named after a hash of their
/// texts (so two versions of Pol never share one), read-only; the folder.
fn write_stdlib(cache: &Path) -> std::io::Result<PathBuf> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for name in pol::stdlib::names() {
        let text = pol::stdlib::module(name).unwrap_or_default();
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let dir = cache.join(format!("std-{hash:016x}"));
    std::fs::create_dir_all(&dir)?;
    for name in pol::stdlib::names() {
        let text = pol::stdlib::module(name).unwrap_or_default();
        let path = dir.join(format!("{name}.pol"));
        if std::fs::read(&path).is_ok_and(|held| held == text.as_bytes()) {
            continue;
        }
        // Written under another name and renamed, so an editor never opens half a module.
        let temporary = dir.join(format!(".{name}.pol.{}", std::process::id()));
        let written = write_read_only(&temporary, text).and_then(|()| std::fs::rename(&temporary, &path));
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
    }
    std::fs::canonicalize(&dir)
}

/// Writes a new file holding `text` and makes it read-only.
fn write_read_only(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    let mut permissions = file.metadata()?.permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions)
}
