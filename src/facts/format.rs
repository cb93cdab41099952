//! The formats a facts text can be written in.

/// The format of a facts text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON document: an object of record arrays, or an array of records.
    Json,
    /// One JSON object per line, every one a record of the same type.
    JsonLines,
    /// One YAML document, shaped like the JSON one.
    Yaml,
    /// A header row of field names, then one record per row, cells separated by commas.
    Csv,
    /// As CSV, cells separated by tabs.
    Tsv,
}

impl Format {
    /// The format a file name's extension says (`.json`, `.jsonl`, `.ndjson`, `.yaml`, `.yml`, `.csv`, `.tsv`, `.tab`).
    pub fn from_path(path: &str) -> Option<Format> {
        let (_, extension) = path.rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            "yaml" | "yml" => Some(Format::Yaml),
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            _ => None,
        }
    }

    /// Whether the format is a table of rows with a header (CSV, TSV), which a mapping can describe.
    pub fn is_tabular(self) -> bool {
        matches!(self, Format::Csv | Format::Tsv)
    }
}
