//! Changing one fact in the text of a facts file, in its own format: what a REPL's `:set`
//! and `:unset` do to an in-memory copy of the file before binding it again.
//!
//! Each format is edited where the fact is written and nowhere else, so that the rest of the
//! file reads as before: a JSON document is written again whole (its values unchanged), a JSON
//! Lines file and a CSV file change in the one line or row that holds the record (a CSV file
//! gains a column when the field had none), and a YAML file changes in the span of the one
//! value (or gains or loses one entry of the record's mapping).
//! A value is given as JSON, the way the facts documentation writes values, and is written in
//! the file's format; whether it suits the field is left to the binder that reads the file next.

use serde_json::Value as Json;

use super::Format;
use super::yaml::Node;

/// One fact to change: `record["key"].field`, set to `value` or, with `None`, removed.
#[derive(Clone, Copy, Debug)]
pub struct FactEdit<'a> {
    /// The record type's name.
    pub record: &'a str,
    /// The name of the record type's key field.
    pub key_field: &'a str,
    /// The key of the fact.
    pub key: &'a str,
    /// The field to change.
    pub field: &'a str,
    /// The new value, as JSON; `None` removes the field (missing: unknown, or none if optional).
    pub value: Option<&'a Json>,
}

/// What an edit did to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edited {
    /// The file holds the fact; its new text.
    Changed(Vec<u8>),
    /// The file does not hold the fact (or cannot be read as its format).
    NotHere,
    /// The file holds the fact, but the value cannot be written in its format; why.
    Refused(String),
}

/// Changes one fact in `text`, a facts file of `format` whose records without a named type
/// (a top-level array, every line of JSON Lines, every row of CSV) are of type `file_record`.
pub fn edit_fact(text: &[u8], format: Format, file_record: Option<&str>, edit: &FactEdit<'_>) -> Edited {
    let Ok(text) = std::str::from_utf8(text) else {
        return Edited::NotHere;
    };
    match format {
        Format::Json => edit_json(text, file_record, edit),
        Format::JsonLines => edit_json_lines(text, file_record, edit),
        Format::Yaml => edit_yaml(text, file_record, edit),
        Format::Csv => edit_csv(text, file_record, edit),
    }
}

/// Whether a JSON value is an object holding the fact's key.
fn holds_key(row: &Json, edit: &FactEdit<'_>) -> bool {
    row.get(edit.key_field).and_then(Json::as_str) == Some(edit.key)
}

/// Sets or removes the field in a JSON object.
fn apply(object: &mut serde_json::Map<String, Json>, edit: &FactEdit<'_>) {
    match edit.value {
        Some(value) => {
            object.insert(edit.field.to_owned(), value.clone());
        }
        None => {
            object.remove(edit.field);
        }
    }
}

fn edit_json(text: &str, file_record: Option<&str>, edit: &FactEdit<'_>) -> Edited {
    let Ok(mut json) = serde_json::from_str::<Json>(text.trim_start_matches('\u{feff}')) else {
        return Edited::NotHere;
    };
    let rows = match &mut json {
        Json::Object(map) => map.get_mut(edit.record).and_then(Json::as_array_mut),
        Json::Array(rows) if file_record == Some(edit.record) => Some(rows),
        _ => None,
    };
    let object = rows
        .and_then(|rows| rows.iter_mut().find(|row| holds_key(row, edit)))
        .and_then(Json::as_object_mut);
    let Some(object) = object else {
        return Edited::NotHere;
    };
    apply(object, edit);
    match serde_json::to_vec_pretty(&json) {
        Ok(mut bytes) => {
            bytes.push(b'\n');
            Edited::Changed(bytes)
        }
        Err(error) => Edited::Refused(error.to_string()),
    }
}

fn edit_json_lines(text: &str, file_record: Option<&str>, edit: &FactEdit<'_>) -> Edited {
    if file_record != Some(edit.record) {
        return Edited::NotHere;
    }
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Ok(Json::Object(mut object)) =
            serde_json::from_str::<Json>(body.trim_start_matches('\u{feff}'))
            && object.get(edit.key_field).and_then(Json::as_str) == Some(edit.key)
        {
            apply(&mut object, edit);
            let Ok(new) = serde_json::to_string(&Json::Object(object)) else {
                return Edited::Refused("the record cannot be written as JSON".to_owned());
            };
            let end = start + body.len();
            let mut out = String::with_capacity(text.len() + new.len());
            out.push_str(&text[..start]);
            out.push_str(&new);
            out.push_str(&text[end..]);
            return Edited::Changed(out.into_bytes());
        }
        start += line.len();
    }
    Edited::NotHere
}

fn edit_csv(text: &str, file_record: Option<&str>, edit: &FactEdit<'_>) -> Edited {
    if file_record != Some(edit.record) {
        return Edited::NotHere;
    }
    let Some(rows) = super::csv::cells(text) else {
        return Edited::NotHere;
    };
    let Some((header, rows)) = rows.split_first() else {
        return Edited::NotHere;
    };
    let column_of = |name: &str| header.iter().position(|(cell, _)| cell.trim() == name);
    let Some(key_column) = column_of(edit.key_field) else {
        return Edited::NotHere;
    };
    let Some(row) = rows
        .iter()
        .find(|row| row.get(key_column).is_some_and(|(cell, _)| cell == edit.key))
    else {
        return Edited::NotHere;
    };
    let cell = match edit.value {
        None => String::new(),
        Some(value) => match csv_cell(value) {
            Ok(cell) => cell,
            Err(why) => return Edited::Refused(why),
        },
    };
    if let Some(column) = column_of(edit.field) {
        let Some((_, span)) = row.get(column) else {
            return Edited::NotHere;
        };
        return Edited::Changed(splice(text, span.start as usize, span.end as usize, &cell));
    }
    if edit.value.is_none() {
        // No column: the field is missing already.
        return Edited::Changed(text.as_bytes().to_vec());
    }
    // A new column at the end of every row: empty (missing) in every row but this one.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let header_end = header.last().map_or(0, |(_, span)| span.end as usize);
    inserts.push((header_end, format!(",{}", csv_quote(edit.field))));
    for other in rows {
        let end = other.last().map_or(0, |(_, span)| span.end as usize);
        let added = if std::ptr::eq(other, row) {
            format!(",{cell}")
        } else {
            ",".to_owned()
        };
        inserts.push((end, added));
    }
    let mut out = String::with_capacity(text.len() + inserts.len() * 2);
    let mut at = 0;
    for (position, added) in inserts {
        out.push_str(&text[at..position]);
        out.push_str(&added);
        at = position;
    }
    out.push_str(&text[at..]);
    Edited::Changed(out.into_bytes())
}

/// A JSON value as a CSV cell: sets and lists separated by `;`, `{}` empty, `null` an empty cell.
fn csv_cell(value: &Json) -> Result<String, String> {
    let element = |value: &Json| match value {
        Json::String(text) => Ok(text.clone()),
        Json::Bool(flag) => Ok(flag.to_string()),
        Json::Number(number) => Ok(number.to_string()),
        _ => Err("a CSV cell holds a value, or a set or list of values".to_owned()),
    };
    let text = match value {
        Json::Null => String::new(),
        Json::Array(items) if items.is_empty() => "{}".to_owned(),
        Json::Array(items) => {
            let parts = items.iter().map(element).collect::<Result<Vec<_>, _>>()?;
            if parts.iter().any(|part| part.contains(';')) {
                return Err("an element of a CSV set or list cannot hold `;`".to_owned());
            }
            parts.join(";")
        }
        Json::Object(_) => {
            return Err(
                "a CSV cell holds a value or a set or list of values, not an object (a nested record is written column by column, `field.subfield`)"
                    .to_owned(),
            );
        }
        other => element(other)?,
    };
    Ok(csv_quote(&text))
}

/// A cell quoted when it holds a comma, a quote, a line break, or spaces at an end.
fn csv_quote(text: &str) -> String {
    let needs = text.contains([',', '"', '\n', '\r']) || text.trim() != text;
    if needs {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn splice(text: &str, start: usize, end: usize, new: &str) -> Vec<u8> {
    let mut out = String::with_capacity(text.len() + new.len());
    out.push_str(&text[..start]);
    out.push_str(new);
    out.push_str(&text[end..]);
    out.into_bytes()
}

fn edit_yaml(text: &str, file_record: Option<&str>, edit: &FactEdit<'_>) -> Edited {
    let Some(root) = super::yaml::tree(text, super::DEFAULT_MAX_NESTING) else {
        return Edited::NotHere;
    };
    let rows = match &root {
        Node::Map { entries, .. } => entries.iter().find_map(|(name, rows)| {
            matches!(name, Node::Scalar { value, .. } if value == edit.record).then_some(rows)
        }),
        Node::Seq { .. } if file_record == Some(edit.record) => Some(&root),
        _ => None,
    };
    let Some(Node::Seq { items, .. }) = rows else {
        return Edited::NotHere;
    };
    let scalar_is = |node: &Node, text: &str| matches!(node, Node::Scalar { value, .. } if value == text);
    let record = items.iter().find_map(|item| match item {
        Node::Map { entries, span } => entries
            .iter()
            .any(|(name, value)| scalar_is(name, edit.key_field) && scalar_is(value, edit.key))
            .then_some((entries, *span)),
        _ => None,
    });
    let Some((entries, span)) = record else {
        return Edited::NotHere;
    };
    let value = edit.value.map(yaml_value);
    let flow = text.as_bytes().get(span.start as usize) == Some(&b'{');
    let index = entries.iter().position(|(name, _)| scalar_is(name, edit.field));
    match (index, value) {
        (Some(index), Some(value)) => {
            let node = &entries[index].1;
            let (start, end) = (node.span().start as usize, node.span().end as usize);
            // A value left empty (`field:`) has no span of its own; write it after the colon.
            if start == end || !text[..end].ends_with(|c: char| !c.is_whitespace()) {
                let after = entries[index].0.span().end as usize;
                let colon = text[after..].find(':').map_or(after, |at| after + at + 1);
                return Edited::Changed(splice(text, colon, colon, &format!(" {value}")));
            }
            Edited::Changed(splice(text, start, end, &value))
        }
        (None, Some(value)) => {
            let Some((first, _)) = entries.first() else {
                return Edited::NotHere;
            };
            let last_end = entries
                .last()
                .map_or(span.end as usize, |(_, value)| value.span().end as usize);
            let entry = format!("{}: {value}", yaml_plain_or_quoted(edit.field));
            if flow {
                return Edited::Changed(splice(text, last_end, last_end, &format!(", {entry}")));
            }
            let first_start = first.span().start as usize;
            let line_start = text[..first_start].rfind('\n').map_or(0, |at| at + 1);
            let indent = " ".repeat(text[line_start..first_start].chars().count());
            Edited::Changed(splice(text, last_end, last_end, &format!("\n{indent}{entry}")))
        }
        (Some(index), None) => {
            let (name, node) = &entries[index];
            let entry_end = node.span().end.max(name.span().end) as usize;
            let key_start = name.span().start as usize;
            let line_start = text[..key_start].rfind('\n').map_or(0, |at| at + 1);
            let (start, end) = if !flow && index > 0 && text[line_start..key_start].trim().is_empty() {
                // A line of its own in a block mapping: the whole line goes, its comment too.
                let line_end = text[entry_end..]
                    .find('\n')
                    .map_or(text.len(), |at| entry_end + at + 1);
                (line_start, line_end)
            } else if index > 0 {
                let previous = &entries[index - 1].1;
                (
                    previous.span().end.max(entries[index - 1].0.span().end) as usize,
                    entry_end,
                )
            } else if let Some((next, _)) = entries.get(1) {
                (name.span().start as usize, next.span().start as usize)
            } else if flow {
                (name.span().start as usize, entry_end)
            } else {
                // The only entry of a block mapping: leave an empty flow mapping in its place.
                return Edited::Changed(splice(text, name.span().start as usize, entry_end, "{}"));
            };
            Edited::Changed(splice(text, start, end, ""))
        }
        (None, None) => Edited::Changed(text.as_bytes().to_vec()),
    }
}

/// A JSON value in YAML flow style: plain where the field's type gives it its meaning, quoted
/// where a plain scalar would read as something else.
fn yaml_value(value: &Json) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::Bool(flag) => flag.to_string(),
        Json::Number(number) => number.to_string(),
        Json::String(text) => yaml_plain_or_quoted(text),
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(yaml_value).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(name, value)| format!("{}: {}", yaml_plain_or_quoted(name), yaml_value(value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// Text as a plain YAML scalar when that reads back as the same text, else double-quoted (a
/// JSON string is a YAML double-quoted scalar).
fn yaml_plain_or_quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && !matches!(text, "~" | "null" | "Null" | "NULL")
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' ' | '+'))
        && !text.starts_with(['-', ' ', '.'])
        && !text.ends_with(' ');
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(format: Format, record: Option<&str>, text: &str, field: &str, value: Option<&str>) -> String {
        let value: Option<Json> =
            value.map(|value| serde_json::from_str(value).expect("test values are JSON"));
        let edit = FactEdit {
            record: "Country",
            key_field: "code",
            key: "US",
            field,
            value: value.as_ref(),
        };
        match edit_fact(text.as_bytes(), format, record, &edit) {
            Edited::Changed(bytes) => String::from_utf8(bytes).expect("edits keep UTF-8"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn json_lines_change_only_the_line_of_the_record() {
        let text = "{\"code\": \"JP\", \"in_combat\": false}\r\n{\"code\":\"US\",\"in_combat\":false}\n\n";
        let out = set(
            Format::JsonLines,
            Some("Country"),
            text,
            "in_combat",
            Some("true"),
        );
        assert_eq!(
            out,
            "{\"code\": \"JP\", \"in_combat\": false}\r\n{\"code\":\"US\",\"in_combat\":true}\n\n"
        );
        let out = set(Format::JsonLines, Some("Country"), text, "in_combat", None);
        assert_eq!(
            out,
            "{\"code\": \"JP\", \"in_combat\": false}\r\n{\"code\":\"US\"}\n\n"
        );
        assert_eq!(
            set(Format::JsonLines, Some("Item"), text, "in_combat", None),
            "NotHere"
        );
    }

    #[test]
    fn csv_changes_one_cell_and_quotes_what_needs_it() {
        let text = "code,name,in_combat\nJP,Japan,false\nUS,\"United States\",no\n";
        let out = set(
            Format::Csv,
            Some("Country"),
            text,
            "name",
            Some("\"United States, of America\""),
        );
        assert_eq!(
            out,
            "code,name,in_combat\nJP,Japan,false\nUS,\"United States, of America\",no\n"
        );
        let out = set(Format::Csv, Some("Country"), text, "in_combat", None);
        assert_eq!(
            out,
            "code,name,in_combat\nJP,Japan,false\nUS,\"United States\",\n"
        );
        let out = set(
            Format::Csv,
            Some("Country"),
            text,
            "partners",
            Some("[\"GB\", \"AU\"]"),
        );
        assert_eq!(
            out,
            "code,name,in_combat,partners\nJP,Japan,false,\nUS,\"United States\",no,GB;AU\n"
        );
        let out = set(Format::Csv, Some("Country"), text, "partners", Some("[]"));
        assert!(out.ends_with("no,{}\n"), "{out}");
        let refused = set(
            Format::Csv,
            Some("Country"),
            text,
            "approval",
            Some("{\"nsc\": true}"),
        );
        assert!(
            refused.starts_with("Refused(\"a CSV cell holds a value"),
            "{refused}"
        );
    }

    #[test]
    fn yaml_changes_the_value_in_place_in_block_and_flow_mappings() {
        let text =
            "# countries\nCountry:\n  - code: JP\n    in_combat: false\n  - {code: US, in_combat: no}\n";
        let out = set(Format::Yaml, None, text, "in_combat", Some("true"));
        assert_eq!(
            out,
            "# countries\nCountry:\n  - code: JP\n    in_combat: false\n  - {code: US, in_combat: true}\n"
        );
        let out = set(Format::Yaml, None, text, "since", Some("\"2014-04-01\""));
        assert_eq!(
            out,
            "# countries\nCountry:\n  - code: JP\n    in_combat: false\n  - {code: US, in_combat: no, since: 2014-04-01}\n"
        );
        let out = set(Format::Yaml, None, text, "in_combat", None);
        assert_eq!(
            out,
            "# countries\nCountry:\n  - code: JP\n    in_combat: false\n  - {code: US}\n"
        );

        let block =
            "Country:\n  - code: US   # the licensor\n    name: \"United States\"\n    in_combat: false\n";
        let out = set(Format::Yaml, None, block, "name", Some("\"null\""));
        assert_eq!(
            out,
            "Country:\n  - code: US   # the licensor\n    name: \"null\"\n    in_combat: false\n"
        );
        let out = set(Format::Yaml, None, block, "name", None);
        assert_eq!(
            out,
            "Country:\n  - code: US   # the licensor\n    in_combat: false\n"
        );
        let out = set(
            Format::Yaml,
            None,
            block,
            "partners",
            Some("[\"GB\", \"Côte d'Ivoire\"]"),
        );
        assert_eq!(
            out,
            "Country:\n  - code: US   # the licensor\n    name: \"United States\"\n    in_combat: false\n    partners: [GB, \"Côte d'Ivoire\"]\n"
        );
        let out = set(Format::Yaml, None, block, "in_combat", None);
        assert_eq!(
            out,
            "Country:\n  - code: US   # the licensor\n    name: \"United States\"\n"
        );
    }

    #[test]
    fn yaml_fills_a_value_left_empty() {
        let text = "Country:\n  - code: US\n    since:\n    in_combat: false\n";
        let out = set(Format::Yaml, None, text, "since", Some("\"2014-04-01\""));
        assert_eq!(
            out,
            "Country:\n  - code: US\n    since: 2014-04-01\n    in_combat: false\n"
        );
    }

    #[test]
    fn json_arrays_of_a_named_record_are_edited_too() {
        let text = "[{\"code\": \"US\", \"in_combat\": false}]";
        let out = set(Format::Json, Some("Country"), text, "in_combat", Some("\"?\""));
        assert!(out.contains("\"in_combat\": \"?\""), "{out}");
        assert_eq!(
            set(Format::Json, None, text, "in_combat", Some("true")),
            "NotHere"
        );
    }
}
