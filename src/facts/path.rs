//! Places in facts as messages name them (`Transfer[#3].item`, `Item[#1].partners[2]`), and the
//! schema view that renders them. A leaf of the facts stage: it imports nothing else from it.

use crate::check::ir::{Program, RecordId};

/// Where a value sits in the facts, for messages: `Transfer[#3].item` or `Item[#1].partners[2]`.
#[derive(Copy, Clone, Debug)]
pub(super) struct Path {
    pub(super) record: RecordId,
    /// 0-based position of the record among the records of its type in its text.
    pub(super) index: u32,
    pub(super) field: Option<u32>,
    /// 0-based position in a set or list (the outermost one, when they nest).
    pub(super) element: Option<u32>,
    /// For a nested record, the link (in [`Schema::nest_links`]) to the field that holds it;
    /// `index` is then unused, and the path renders through its parent.
    pub(super) nest: Option<u32>,
}

/// A nested record and the path of the field that holds it.
#[derive(Copy, Clone, Debug)]
pub(super) struct NestLink {
    pub(super) outer: Path,
}

impl Path {
    pub(super) fn element(self, element: u32) -> Path {
        Path {
            element: Some(self.element.unwrap_or(element)),
            ..self
        }
    }
}

/// What a message needs to name a place in the facts: the program's schema and the links of
/// the nested records read so far.
#[derive(Copy, Clone, Debug)]
pub(super) struct Schema<'a> {
    pub(super) program: &'a Program,
    pub(super) nest_links: &'a [NestLink],
}

impl Schema<'_> {
    /// A path as messages write it.
    pub(super) fn render(&self, path: Path) -> String {
        let record = &self.program.records[path.record.idx()];
        let mut text = match path.nest {
            Some(link) => self.render(self.nest_links[link as usize].outer),
            // Records are numbered from 1, as decisions number keyless subjects (`Transfer[#3]`),
            // so a fact error and a decision about the same record name it alike.
            None => format!("{}[#{}]", record.name, u64::from(path.index) + 1),
        };
        if let Some(field) = path.field {
            text.push('.');
            text.push_str(&record.fields[field as usize].name);
        }
        if let Some(element) = path.element {
            text.push_str(&format!("[{element}]"));
        }
        text
    }
}
