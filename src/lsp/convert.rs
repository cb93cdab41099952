//! Conversions between the protocol's terms and the session's: URIs and paths, UTF-16 positions
//! and byte offsets, Pol's diagnostics and the protocol's.

use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, NumberOrString,
    Position, Range, Uri,
};

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::source::{self, Source, SourceMap, Span};

/// The scheme of the URIs given to stdlib modules when no folder holds copies of them.
pub(crate) const STD_SCHEME: &str = "pol-std";

/// The name the session gives a stdlib module's text: `<std>/NAME.pol`.
const STD_PREFIX: &str = "<std>/";

/// The path of a `file:` URI, percent-decoded; `None` for any other scheme or a remote host.
pub(crate) fn path_of_uri(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text
        .strip_prefix("file://")
        .or_else(|| text.strip_prefix("FILE://"))?;
    let (host, path) = match rest.find('/') {
        Some(idx) => rest.split_at(idx),
        None => return None,
    };
    if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    // A query or a fragment is not part of a file's path.
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let bytes = percent_decode(path)?;
    let path = path_from_bytes(bytes)?;
    if !path.is_absolute() || path.components().any(|part| part == Component::ParentDir) {
        return None;
    }
    Some(path)
}

/// The `file:` URI of an absolute path.
pub(crate) fn uri_of_path(path: &Path) -> Uri {
    let mut text = String::from("file://");
    for byte in path_bytes(path) {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    parse_uri(&text)
}

/// A URI the server builds itself, so known to be well formed.
pub(crate) fn parse_uri(text: &str) -> Uri {
    Uri::from_str(text)
        .unwrap_or_else(|error| unreachable!("the server built a malformed URI `{text}`: {error}"))
}

/// The stdlib module a session name (`<std>/NAME.pol`) stands for, if it is one.
pub(crate) fn std_module(name: &str) -> Option<&str> {
    name.strip_prefix(STD_PREFIX)?.strip_suffix(".pol")
}

/// Decodes `%XX` escapes; `None` for a malformed one.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'%' {
            let hex = text.get(idx + 1..idx + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            idx += 3;
        } else {
            decoded.push(bytes[idx]);
            idx += 1;
        }
    }
    Some(decoded)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    String::from_utf8(bytes).ok().map(PathBuf::from)
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().replace('\\', "/").into_bytes()
}

/// The protocol's position of a byte offset of a source (UTF-16 code units).
pub(crate) fn position(source: &Source, offset: u32) -> Position {
    let found = source.position_utf16(offset);
    Position::new(found.line, found.character)
}

/// The protocol's range of a span of a source.
pub(crate) fn range(source: &Source, span: Span) -> Range {
    Range::new(position(source, span.start), position(source, span.end))
}

/// The byte offset of a protocol position in a source: a character past the end of its line
/// stands for the line's end, a line past the end for the end of the text.
pub(crate) fn offset(source: &Source, position: Position) -> u32 {
    source.offset_utf16(source::Position {
        line: position.line,
        character: position.character,
    })
}

/// The byte offset of a protocol position in a text, as [`offset`] reads it, for a text that
/// has no line index (an editor's buffer being changed).
pub(crate) fn offset_in(text: &str, position: Position) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match memchr::memchr(b'\n', &text.as_bytes()[start..]) {
            Some(idx) => start += idx + 1,
            None => return text.len(),
        }
    }
    let mut units = 0usize;
    for (idx, ch) in text[start..].char_indices() {
        if units >= position.character as usize || ch == '\n' {
            return start + idx;
        }
        units += ch.len_utf16();
    }
    text.len()
}

/// Where the links of diagnostic codes point by default: the section of each code in
/// `docs/diagnostics.md`, whose anchors are the codes in lower case (`#e0201`).
pub const DEFAULT_DOCS_URL: &str = "https://github.com/pol-lang/pol/blob/main/docs/diagnostics.md";

/// How [`to_diagnostic`] names the texts a diagnostic points into.
pub(crate) trait Locate {
    /// The URI of the text a session names `name` (a path, or `<std>/NAME.pol`).
    fn uri_of_source(&self, name: &str) -> Uri;
}

/// A Pol diagnostic as the protocol shows it: its code with a link to its documentation, the
/// range of its primary label (the start of the file without one), the secondary labels as
/// related information, and its help after the message.
pub(crate) fn to_diagnostic(
    sources: &SourceMap,
    diagnostic: &Diagnostic,
    docs_url: &str,
    locate: &dyn Locate,
) -> lsp_types::Diagnostic {
    let primary = diagnostic.primary.as_ref().map_or_else(Range::default, |label| {
        range(sources.get(label.span.source), label.span)
    });
    let mut message = diagnostic.message.clone();
    if let Some(label) = &diagnostic.primary
        && !label.message.is_empty()
    {
        message.push_str(&format!("\n{}", label.message));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .map(|label| {
            let source = sources.get(label.span.source);
            DiagnosticRelatedInformation {
                location: lsp_types::Location::new(
                    locate.uri_of_source(&source.name),
                    range(source, label.span),
                ),
                message: label.message.clone(),
            }
        })
        .collect();
    let code = diagnostic.code.as_str();
    lsp_types::Diagnostic {
        range: primary,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: Uri::from_str(&format!("{docs_url}#{}", code.to_ascii_lowercase()))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("pol".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        // An editor greys out a definition nothing uses.
        tags: (diagnostic.code == Code::Unused).then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_offset(text: &str, line: u32, character: u32, expected: &str) {
        let idx = offset_in(text, Position::new(line, character));
        assert_eq!(&text[idx..], expected, "{line}:{character}");
        let mut sources = SourceMap::new();
        let id = sources.add("t", text);
        assert_eq!(
            offset(sources.get(id), Position::new(line, character)) as usize,
            idx
        );
    }

    #[test]
    fn utf16_positions_count_surrogate_pairs_and_clamp_to_the_line() {
        let text = "é😀x\nab";
        check_offset(text, 0, 0, text);
        check_offset(text, 0, 1, "😀x\nab");
        check_offset(text, 0, 3, "x\nab");
        // Inside a surrogate pair: the character after it.
        check_offset(text, 0, 2, "x\nab");
        check_offset(text, 0, 99, "\nab");
        check_offset(text, 1, 1, "b");
        check_offset(text, 7, 0, "");
    }

    #[test]
    fn file_uris_round_trip_through_paths() {
        let path = Path::new("/tmp/a b/é%#.pol");
        let uri = uri_of_path(path);
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%A9%25%23.pol");
        assert_eq!(path_of_uri(&uri).as_deref(), Some(path));
        let localhost = parse_uri("file://localhost/x.pol");
        assert_eq!(path_of_uri(&localhost), Some(PathBuf::from("/x.pol")));
        for other in [
            "untitled:Untitled-1",
            "file://server/x.pol",
            "file:///a/../b.pol",
            "file:x.pol",
        ] {
            assert_eq!(path_of_uri(&parse_uri(other)), None, "{other}");
        }
        assert!(percent_decode("/a%zz").is_none() && percent_decode("/a%2").is_none());
    }
}
