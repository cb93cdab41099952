//! User-supplied text made safe for output: control characters, line breaks and bidi controls
//! escaped, so a key or a reason cannot start a line, recolour a terminal or reorder text; in JSON,
//! the same characters as `\u` escapes, so the text read back is exact.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether a character must not reach a terminal as it is: C0 and C1 controls (line breaks and
/// tabs included), DEL, the line and paragraph separators, and the bidi controls.
pub(crate) fn is_harmful(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Whether a text may hold a harmful character; false only when it certainly holds none. Most
/// text is printable ASCII, which this tells in a pass the compiler vectorises, without decoding
/// characters.
fn may_be_harmful(text: &str) -> bool {
    text.as_bytes().chunks(32).any(|chunk| {
        chunk
            .iter()
            .fold(false, |found, &byte| found | !(0x20..0x7f).contains(&byte))
    })
}

/// Whether a text holds a harmful character.
fn has_harmful(text: &str) -> bool {
    may_be_harmful(text) && text.chars().any(is_harmful)
}

fn push_escaped(out: &mut String, ch: char) {
    match ch {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        _ => write!(out, "\\u{{{:x}}}", u32::from(ch)).expect("writing to a `String` cannot fail"),
    }
}

/// The text with every harmful character written as a Rust-style escape (`\n`, `\u{1b}`,
/// `\u{202e}`); everything else as it is, backslashes included.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !has_harmful(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_harmful(ch) {
            push_escaped(&mut out, ch);
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// The text in double quotes, as Pol writes a text value: quotes and backslashes escaped, and
/// harmful characters as in [`escape_controls`].
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ if is_harmful(ch) => push_escaped(&mut out, ch),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// Writes JSON as `serde_json` does, with every harmful character in a string as a `\uXXXX`
/// escape (serde escapes only C0 controls; C1 and bidi controls would reach a terminal raw).
struct InertFormatter;

impl serde_json::ser::Formatter for InertFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // serde hands C0 controls to `write_char_escape`, never here: ASCII without DEL is safe.
        if fragment.bytes().all(|byte| byte < 0x7f) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (idx, ch) in fragment.char_indices() {
            if is_harmful(ch) {
                writer.write_all(&fragment.as_bytes()[start..idx])?;
                // Every harmful character is in the Basic Multilingual Plane: one escape each.
                write!(writer, "\\u{:04x}", u32::from(ch))?;
                start = idx + ch.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Writes a value as compact JSON on one line, then a line break, with no harmful character raw
/// in it, straight into `writer` (no text is built in between).
pub fn write_json_line<W: std::io::Write, T: serde::Serialize + ?Sized>(
    writer: &mut W,
    value: &T,
) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *writer, InertFormatter);
    value.serialize(&mut serializer).map_err(std::io::Error::from)?;
    writer.write_all(b"\n")
}

/// Writes a value as compact JSON, exactly as [`write_json_line`] writes it, without the line break.
pub fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, InertFormatter);
    value
        .serialize(&mut serializer)
        .expect("Pol's JSON values have string keys and finite numbers");
}

/// Writes a text as a JSON string, exactly as [`write_json_line`] writes a string inside a value.
pub fn write_json_str(out: &mut Vec<u8>, text: &str) {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, InertFormatter);
    serde::Serialize::serialize(text, &mut serializer).expect("writing to a `Vec` cannot fail");
}

/// A value as compact JSON on one line, with no harmful character raw in it.
pub fn to_json_line<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, InertFormatter);
    value
        .serialize(&mut serializer)
        .expect("Pol's JSON values have string keys and finite numbers");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, escaped: &str, quoted: &str) {
        assert_eq!(escape_controls(input), escaped);
        assert_eq!(quote(input), quoted);
    }

    #[test]
    fn plain_text_is_unchanged() {
        check("pac3-us", "pac3-us", r#""pac3-us""#);
        check("東京 ü", "東京 ü", r#""東京 ü""#);
    }

    #[test]
    fn line_breaks_and_tabs_are_escaped() {
        check("x: DENY\n  by r", r"x: DENY\n  by r", r#""x: DENY\n  by r""#);
        check("a\rb\tc\0", r"a\rb\tc\0", r#""a\rb\tc\0""#);
    }

    #[test]
    fn terminal_and_bidi_controls_are_escaped() {
        check("\u{1b}[32mPERMIT", r"\u{1b}[32mPERMIT", r#""\u{1b}[32mPERMIT""#);
        check(
            "a\u{202E}b\u{2066}c\u{7f}\u{85}",
            r"a\u{202e}b\u{2066}c\u{7f}\u{85}",
            r#""a\u{202e}b\u{2066}c\u{7f}\u{85}""#,
        );
        check("a\u{2028}b", r"a\u{2028}b", r#""a\u{2028}b""#);
    }

    #[test]
    fn quotes_and_backslashes_are_escaped_only_when_quoting() {
        check(r#"a"b\c"#, r#"a"b\c"#, r#""a\"b\\c""#);
    }

    #[test]
    fn json_escapes_harmful_characters_and_reads_back_exactly() {
        let text = "a\u{85}b\u{202e}c\nd\u{1b}e東";
        let line = to_json_line(&serde_json::json!({"key": text}));
        assert_eq!(line, r#"{"key":"a\u0085b\u202ec\nd\u001be東"}"#);
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["key"], text);
    }

    #[test]
    fn quoting_matches_rust_debug_for_ordinary_text() {
        for text in ["US", "a\"b", "tab\there", "new\nline", "\u{1b}", "ü"] {
            assert_eq!(quote(text), format!("{text:?}"));
        }
    }
}
