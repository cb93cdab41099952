//! Printing: an `ast::Module` back to its canonical text, with every comment kept in place.
//! `pol fmt` is built on it, and parsing what it prints gives the same tree back.

use super::ast::{
    BinaryOp, DataDecl, DecideDecl, DefaultDecl, EnumDecl, ExpectDecl, Expected, Expr, ExprKind, FactDecl,
    FactPath, FactValue, FieldDecl, FnDecl, Header, HeaderKind, Ident, Item, LetDecl, Module, ObligationDecl,
    Quantifier, RecordDecl, RuleClause, RuleDecl, SubjectRef, TestDecl, TypeExpr, TypeKind, UseDecl,
    UseTarget,
};
use std::collections::BTreeMap;

use self::doc::Doc;
use crate::source::Span;

mod doc;

/// Lines longer than this many columns are broken where the style allows: conditions, values of
/// `let` and `fn`, argument lists, sets and enums.
pub const MAX_WIDTH: usize = 100;

/// The canonical text of a module, keeping every comment of `module.comments` at its place.
///
/// `source_text` is the text the module was parsed from; the spans of nodes and comments
/// index into it to find where comments and blank lines sit. A module built by hand (whose
/// spans point nowhere) prints without blank lines inside blocks.
///
/// Comments on their own lines stay on their own lines, before the item, clause or field
/// they precede; a comment after code on the same line stays after that code. A comment
/// written inside an expression or a test fact moves to its own line before the clause or
/// declaration that holds it. Long expressions break to fit in [`MAX_WIDTH`] columns.
pub fn print(module: &Module, source_text: &str) -> String {
    let mut printer = Printer::new(module, source_text);
    printer.module(module);
    printer.finish()
}

// ---------------------------------------------------------------- layout

/// A comment not yet printed.
struct Pending {
    start: usize,
    end: usize,
    /// The text after `//`, without trailing blanks.
    text: String,
    /// Whether only blanks precede it on its line.
    own_line: bool,
}

/// One output line.
struct Line {
    indent: usize,
    code: String,
    /// A comment after the code, its text after `//`.
    comment: Option<String>,
    /// Whether a blank line precedes it.
    blank_before: bool,
    /// Whether the line is a comment on its own.
    is_comment: bool,
}

struct Printer<'a> {
    src: &'a str,
    comments: Vec<Pending>,
    /// The first comment not yet printed.
    next: usize,
    /// Where the last printed piece of the source ends, to find blank lines.
    last_end: usize,
    lines: Vec<Line>,
    /// Where each comment's text ends (trailing blanks aside), to where it starts.
    comment_ends: BTreeMap<usize, usize>,
}

fn start(span: Span) -> usize {
    span.start as usize
}

fn end(span: Span) -> usize {
    span.end as usize
}

impl<'a> Printer<'a> {
    fn new(module: &Module, src: &'a str) -> Printer<'a> {
        let mut comments: Vec<Pending> = module
            .comments
            .iter()
            .map(|comment| {
                let start = start(comment.span);
                let own_line = src
                    .get(..start)
                    .map(|before| before.rsplit('\n').next().unwrap_or("").trim().is_empty())
                    .unwrap_or(true);
                Pending {
                    start,
                    end: end(comment.span),
                    text: comment.text.trim_end().to_owned(),
                    own_line,
                }
            })
            .collect();
        comments.sort_by_key(|comment| comment.start);
        let comment_ends = comments
            .iter()
            .map(|comment| (comment.start + 2 + comment.text.len(), comment.start))
            .collect();
        Printer {
            comment_ends,
            src,
            comments,
            next: 0,
            last_end: 0,
            lines: Vec::new(),
        }
    }

    /// Where the code of a node ends. A node's span can take in the blanks and comments
    /// after it (the parser skips them while looking for more), which are not its code.
    fn code_end(&self, span: Span) -> usize {
        let begin = start(span);
        let mut end = end(span);
        loop {
            let Some(text) = self.src.get(begin..end) else {
                return end;
            };
            end = begin + text.trim_end().len();
            match self.comment_ends.get(&end) {
                Some(&comment_start) if comment_start >= begin => end = comment_start,
                _ => return end,
            }
        }
    }

    /// Whether the source between two offsets holds a blank line.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.src.get(from.min(to)..to) else {
            return false;
        };
        let pieces: Vec<&str> = gap.split('\n').collect();
        pieces.len() >= 3
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|piece| piece.trim().is_empty())
    }

    fn push(&mut self, indent: usize, code: String, blank_before: bool) {
        self.lines.push(Line {
            indent,
            code,
            comment: None,
            blank_before,
            is_comment: false,
        });
    }

    /// Prints, each on its own line, the comments that start before `before`.
    fn leading(&mut self, indent: usize, before: usize) {
        while let Some(comment) = self.comments.get(self.next) {
            if comment.start >= before {
                break;
            }
            let blank_before = self.blank_between(self.last_end, comment.start);
            let (code, comment_end) = (format!("//{}", comment.text), comment.end);
            self.lines.push(Line {
                indent,
                code,
                comment: None,
                blank_before,
                is_comment: true,
            });
            self.last_end = comment_end;
            self.next += 1;
        }
    }

    /// Puts the next comment after the last line if it follows, on the same line, code that
    /// ends at `code_end` (with at most commas between).
    fn trailing(&mut self, code_end: usize) {
        let Some(comment) = self.comments.get(self.next) else {
            return;
        };
        let follows = !comment.own_line
            && comment.start >= code_end
            && self
                .src
                .get(code_end..comment.start)
                .is_some_and(|gap| gap.chars().all(|ch| matches!(ch, ' ' | '\t' | ',')));
        if !follows {
            return;
        }
        self.attach_next();
    }

    /// Puts the next comment after the code of the last line.
    fn attach_next(&mut self) {
        let Some(comment) = self.comments.get(self.next) else {
            return;
        };
        let Some(line) = self.lines.last_mut() else {
            return;
        };
        if line.comment.is_some() || line.is_comment {
            return;
        }
        line.comment = Some(comment.text.clone());
        self.last_end = comment.end;
        self.next += 1;
    }

    /// Prints a declaration without a block: the comments before it (and any written inside
    /// it, which cannot stay there), its lines, and a comment that follows it on its last line.
    fn leaf(&mut self, indent: usize, span: Span, lines: Vec<(usize, String)>) {
        let code_end = self.code_end(span);
        self.leading(indent, start(span));
        self.leading(indent, code_end);
        let mut blank_before = self.blank_between(self.last_end, start(span));
        for (extra, code) in lines {
            self.push(indent + extra, code, blank_before);
            blank_before = false;
        }
        self.last_end = self.last_end.max(code_end);
        self.trailing(code_end);
    }

    /// Opens a block `opening {`, or prints `opening {}` when it is empty and holds no
    /// comments; returns whether the block is open.
    fn open_block(&mut self, indent: usize, span: Span, opening: &str, first_child: Option<usize>) -> bool {
        self.leading(indent, start(span));
        let blank_before = self.blank_between(self.last_end, start(span));
        let code_end = self.code_end(span);
        let holds_comments = self
            .comments
            .get(self.next)
            .is_some_and(|comment| comment.start < code_end);
        if first_child.is_none() && !holds_comments {
            self.push(indent, format!("{opening} {{}}"), blank_before);
            self.last_end = self.last_end.max(code_end);
            self.trailing(code_end);
            return false;
        }
        self.push(indent, format!("{opening} {{"), blank_before);
        self.last_end = self.last_end.max(start(span));
        // A comment after the opening words, on their line, stays there.
        let header_end = first_child.unwrap_or(code_end);
        if self
            .comments
            .get(self.next)
            .is_some_and(|comment| !comment.own_line && comment.start < header_end)
        {
            self.attach_next();
        }
        true
    }

    /// Closes a block opened by [`Printer::open_block`], after the comments left inside it.
    fn close_block(&mut self, indent: usize, span: Span) {
        let code_end = self.code_end(span);
        self.leading(indent + 1, code_end);
        self.push(indent, "}".to_owned(), false);
        self.last_end = self.last_end.max(code_end);
        self.trailing(code_end);
    }

    /// Renders the lines: blank lines where kept (never right inside braces), trailing
    /// comments of consecutive lines aligned one column after the longest code.
    fn finish(self) -> String {
        let widths: Vec<usize> = self
            .lines
            .iter()
            .map(|line| line.indent * 2 + doc::columns(&line.code))
            .collect();
        let mut columns = vec![0; self.lines.len()];
        let mut idx = 0;
        while idx < self.lines.len() {
            if self.lines[idx].comment.is_none() {
                idx += 1;
                continue;
            }
            let mut run_end = idx + 1;
            while run_end < self.lines.len()
                && self.lines[run_end].comment.is_some()
                && !self.lines[run_end].blank_before
                && self.lines[run_end].indent == self.lines[idx].indent
            {
                run_end += 1;
            }
            let column = widths[idx..run_end].iter().max().copied().unwrap_or(0) + 1;
            columns[idx..run_end].fill(column);
            idx = run_end;
        }
        let mut out = String::new();
        for (idx, line) in self.lines.iter().enumerate() {
            let after_opening = idx > 0 && {
                let previous = &self.lines[idx - 1];
                !previous.is_comment && previous.code.ends_with('{')
            };
            if line.blank_before && idx > 0 && !after_opening {
                out.push('\n');
            }
            for _ in 0..line.indent {
                out.push_str("  ");
            }
            out.push_str(&line.code);
            if let Some(comment) = &line.comment {
                for _ in widths[idx]..columns[idx] {
                    out.push(' ');
                }
                out.push_str("//");
                out.push_str(comment);
            }
            out.push('\n');
        }
        out
    }

    // ------------------------------------------------------------ declarations

    fn module(&mut self, module: &Module) {
        self.header(&module.header);
        let mut previous: Option<(&'static str, bool)> = None;
        for item in &module.items {
            let item_start = start(item.span());
            let first_unit = self
                .comments
                .get(self.next)
                .map_or(item_start, |comment| comment.start.min(item_start));
            let gap_blank = self.blank_between(self.last_end, first_unit);
            let first_line = self.lines.len();
            self.item(item);
            let single = self.lines[first_line..]
                .iter()
                .filter(|line| !line.is_comment)
                .count()
                == 1;
            let group = item_group(item);
            // A `default` stays with the `decide` before it even when its clauses take lines of
            // their own: the two say together what the policy decides.
            let companion = single || matches!(item, Item::Default(_));
            let together = previous == Some((group, true)) && companion && !gap_blank;
            if let Some(line) = self.lines.get_mut(first_line) {
                // Items are apart, except one-line declarations of a kind the source keeps together.
                line.blank_before = !together;
            }
            previous = Some((group, single));
        }
        self.leading(0, usize::MAX);
    }

    fn header(&mut self, header: &Header) {
        let keyword = match header.kind {
            HeaderKind::Policy => "policy",
            HeaderKind::Module => "module",
        };
        let title_span = Span {
            end: header.title.span.end,
            ..header.span
        };
        self.leaf(
            0,
            title_span,
            vec![(0, format!("{keyword} {}", quote(&header.title.value)))],
        );
        if let Some(source) = &header.source {
            self.leaf(
                0,
                source.span,
                vec![(0, format!("source {}", quote(&source.value)))],
            );
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(decl) => self.use_decl(decl),
            Item::Enum(decl) => self.enum_decl(decl),
            Item::Record(decl) => self.record_decl(decl),
            Item::Let(decl) => self.let_decl(decl),
            Item::Fn(decl) => self.fn_decl(decl),
            Item::Obligation(decl) => self.obligation_decl(decl),
            Item::Decide(decl) => self.decide_decl(decl),
            Item::Default(decl) => self.default_decl(decl),
            Item::Rule(decl) => self.rule_decl(decl),
            Item::Test(decl) => self.test_decl(decl),
            Item::Data(decl) => self.data_decl(decl),
        }
    }

    fn use_decl(&mut self, decl: &UseDecl) {
        let target = match &decl.target {
            UseTarget::Std(path) => names(path, "."),
            UseTarget::File(file) => quote(&file.value),
        };
        self.leaf(0, decl.span, vec![(0, format!("use {target}"))]);
    }

    fn enum_decl(&mut self, decl: &EnumDecl) {
        let one_line = format!("enum {} {{ {} }}", decl.name.name, names(&decl.variants, ", "));
        let code_end = self.code_end(decl.span);
        let holds_comments = self
            .comments
            .iter()
            .any(|comment| comment.start >= start(decl.span) && comment.start < code_end);
        if !holds_comments && doc::columns(&one_line) <= MAX_WIDTH {
            self.leaf(0, decl.span, vec![(0, one_line)]);
            return;
        }
        let opening = format!("enum {}", decl.name.name);
        let first = decl.variants.first().map(|variant| start(variant.span));
        if self.open_block(0, decl.span, &opening, first) {
            for variant in &decl.variants {
                self.leaf(1, variant.span, vec![(0, format!("{},", variant.name))]);
            }
            self.close_block(0, decl.span);
        }
    }

    fn record_decl(&mut self, decl: &RecordDecl) {
        let mut opening = format!("record {}", decl.name.name);
        if let Some(key) = &decl.key {
            opening.push_str(&format!(" key {}", key.name));
        }
        if let Some(alias) = &decl.alias {
            opening.push_str(&format!(" alias {}", alias.name));
        }
        if !decl.compound_key.is_empty() {
            let fields: Vec<&str> = decl
                .compound_key
                .iter()
                .map(|field| field.name.as_str())
                .collect();
            opening.push_str(&format!(" key ({})", fields.join(", ")));
        }
        let first = decl.fields.first().map(|field| start(field.span));
        if self.open_block(0, decl.span, &opening, first) {
            for field in &decl.fields {
                self.field_decl(field);
            }
            self.close_block(0, decl.span);
        }
    }

    fn field_decl(&mut self, field: &FieldDecl) {
        let code = format!("{}: {}", field.name.name, type_expr(&field.ty));
        self.leaf(1, field.span, vec![(0, code)]);
    }

    /// Prints `head = value` on one line, or breaks after `=` when the line would be too long
    /// (a set or a call stays after `=` and breaks inside its brackets instead).
    fn definition(&mut self, span: Span, head: String, value: &Expr) {
        let value_doc = expr_doc(value, 0, true);
        let doc = if matches!(value.kind, ExprKind::Set(_) | ExprKind::Call(..)) {
            Doc::Concat(vec![Doc::text(format!("{head} = ")), value_doc])
        } else {
            Doc::group(Doc::Concat(vec![
                Doc::text(format!("{head} =")),
                Doc::nest(Doc::Concat(vec![Doc::Line, value_doc])),
            ]))
        };
        self.leaf(0, span, doc::layout(&doc, MAX_WIDTH));
    }

    fn let_decl(&mut self, decl: &LetDecl) {
        let mut head = format!("let {}", decl.name.name);
        if let Some(ty) = &decl.ty {
            head.push_str(&format!(": {}", type_expr(ty)));
        }
        self.definition(decl.span, head, &decl.value);
    }

    fn fn_decl(&mut self, decl: &FnDecl) {
        let params: Vec<String> = decl
            .params
            .iter()
            .map(|param| format!("{}: {}", param.name.name, type_expr(&param.ty)))
            .collect();
        let mut head = format!("fn {}({})", decl.name.name, params.join(", "));
        if let Some(result) = &decl.result {
            head.push_str(&format!(" -> {}", type_expr(result)));
        }
        self.definition(decl.span, head, &decl.body);
    }

    fn obligation_decl(&mut self, decl: &ObligationDecl) {
        let code = format!("obligation {} {}", decl.name.name, quote(&decl.text.value));
        self.leaf(0, decl.span, vec![(0, code)]);
    }

    fn decide_decl(&mut self, decl: &DecideDecl) {
        let mut code = format!("decide {}: {}", decl.var.name, decl.record.name);
        if let Some(date) = &decl.date {
            code.push_str(&format!(" on {}", expr(date)));
        }
        self.leaf(0, decl.span, vec![(0, code)]);
    }

    /// `default deny because "…" cite "…"` on one line if it fits, else each clause on a line of
    /// its own, indented under `default deny`.
    fn default_decl(&mut self, decl: &DefaultDecl) {
        let mut lines = vec![(0, format!("default {}", decl.effect.as_str()))];
        if let Some(reason) = &decl.reason {
            lines.push((1, format!("because {}", quote(&reason.value))));
        }
        if let Some(citation) = &decl.citation {
            lines.push((1, format!("cite {}", quote(&citation.value))));
        }
        let one_line = lines
            .iter()
            .map(|(_, code)| code.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if one_line.chars().count() <= MAX_WIDTH {
            lines = vec![(0, one_line)];
        }
        self.leaf(0, decl.span, lines);
    }

    fn rule_decl(&mut self, decl: &RuleDecl) {
        let opening = format!("rule {}: {}", decl.name.name, decl.effect.as_str());
        let first = decl.clauses.first().map(|clause| start(clause_span(clause)));
        if self.open_block(0, decl.span, &opening, first) {
            for clause in &decl.clauses {
                self.leaf(1, clause_span(clause), rule_clause(clause));
            }
            self.close_block(0, decl.span);
        }
    }

    fn test_decl(&mut self, decl: &TestDecl) {
        // Facts and expectations keep their order in the source; a tree built by hand
        // (all spans equal) prints its facts first.
        let mut entries: Vec<(Span, String)> = Vec::new();
        if let Some((date, span)) = &decl.as_of {
            entries.push((*span, format!("as of {date}")));
        }
        entries.extend(decl.facts.iter().map(|fact| (fact.span, fact_decl(fact))));
        entries.extend(
            decl.expects
                .iter()
                .map(|expect| (expect.span, expect_decl(expect))),
        );
        entries.sort_by_key(|(span, _)| span.start);
        let opening = format!("test {}", quote(&decl.name.value));
        let first = entries.first().map(|(span, _)| start(*span));
        if self.open_block(0, decl.span, &opening, first) {
            for (span, code) in entries {
                self.leaf(1, span, vec![(0, code)]);
            }
            self.close_block(0, decl.span);
        }
    }
}

impl Printer<'_> {
    /// `data {` with one row a line, in source order.
    fn data_decl(&mut self, decl: &DataDecl) {
        let first = decl.rows.first().map(|row| start(row.span));
        if self.open_block(0, decl.span, "data", first) {
            for row in &decl.rows {
                self.leaf(1, row.span, vec![(0, fact_decl(row))]);
            }
            self.close_block(0, decl.span);
        }
    }
}

/// Which one-line declarations may stay together without a blank line between them.
fn item_group(item: &Item) -> &'static str {
    match item {
        Item::Use(_) => "use",
        Item::Enum(_) => "enum",
        Item::Record(_) => "record",
        Item::Let(_) => "let",
        Item::Fn(_) => "fn",
        Item::Obligation(_) => "obligation",
        Item::Decide(_) | Item::Default(_) => "decide",
        Item::Rule(_) => "rule",
        Item::Test(_) => "test",
        Item::Data(_) => "data",
    }
}

/// Where a clause is written (for a `when`, `unless`, `because` or `cite`: its operand).
fn clause_span(clause: &RuleClause) -> Span {
    match clause {
        RuleClause::When(condition) | RuleClause::Unless(condition) => condition.span,
        RuleClause::Because(text) | RuleClause::Cite(text) => text.span,
        RuleClause::Oblige(_, span)
        | RuleClause::Effective(_, span)
        | RuleClause::Until(_, span)
        | RuleClause::ExceptionTo(_, span) => *span,
    }
}

/// The lines of a clause; a condition too long for one line breaks before `and` and `or`.
fn rule_clause(clause: &RuleClause) -> Vec<(usize, String)> {
    let code = match clause {
        RuleClause::When(condition) => return expr_lines("when ", condition, 1),
        RuleClause::Unless(condition) => return expr_lines("unless ", condition, 1),
        RuleClause::Because(text) => format!("because {}", quote(&text.value)),
        RuleClause::Cite(text) => format!("cite {}", quote(&text.value)),
        RuleClause::Oblige(obligations, _) => format!("oblige {}", names(obligations, ", ")),
        RuleClause::Effective(date, _) => format!("effective {date}"),
        RuleClause::Until(date, _) => format!("until {date}"),
        RuleClause::ExceptionTo(rules, _) => format!("exception to {}", names(rules, ", ")),
    };
    vec![(0, code)]
}

fn fact_decl(fact: &FactDecl) -> String {
    if fact.fields.is_empty() {
        return format!("{} {{}}", fact.record.name);
    }
    let fields: Vec<String> = fact
        .fields
        .iter()
        .map(|field| format!("{}: {}", field.name.name, fact_value(&field.value)))
        .collect();
    format!("{} {{ {} }}", fact.record.name, fields.join(", "))
}

fn fact_value(value: &FactValue) -> String {
    match value {
        FactValue::Unknown(_) => "unknown".to_owned(),
        FactValue::None(_) => "none".to_owned(),
        FactValue::Bool(value, _) => value.to_string(),
        FactValue::Int(value, _) => value.to_string(),
        FactValue::Decimal(value, _) => value.to_string(),
        FactValue::Text(text) => quote(&text.value),
        FactValue::Date(date, _) => date.to_string(),
        FactValue::Variant(name) => name.name.clone(),
        FactValue::Set(values, _) => {
            let values: Vec<String> = values.iter().map(fact_value).collect();
            format!("{{{}}}", values.join(", "))
        }
        FactValue::Record(fact) => fact_decl(fact),
    }
}

fn expect_decl(expect: &ExpectDecl) -> String {
    let mut code = format!("expect {}", subject_ref(&expect.subject));
    match &expect.expected {
        Expected::Decided {
            effect,
            rules,
            obligations,
        } => {
            code.push_str(&format!(" {} by ", effect.as_str()));
            if rules.is_empty() {
                code.push_str("default");
            } else {
                code.push_str(&names(rules, ", "));
            }
            if let Some(obligations) = obligations {
                code.push_str(&format!(" oblige {}", names(obligations, ", ")));
            }
        }
        Expected::Undecided(missing) => {
            code.push_str(" undecided");
            if let Some(paths) = missing {
                let paths: Vec<String> = paths.iter().map(fact_path).collect();
                code.push_str(&format!(" missing {}", paths.join(", ")));
            }
        }
    }
    code
}

fn subject_ref(subject: &SubjectRef) -> String {
    match subject {
        SubjectRef::Key(key) => quote(&key.value),
        SubjectRef::Position(position, _) => format!("#{position}"),
    }
}

fn fact_path(path: &FactPath) -> String {
    let mut text = format!(
        "{}[{}].{}",
        path.record.name,
        subject_ref(&path.subject),
        path.field.name
    );
    for field in &path.nested {
        text.push('.');
        text.push_str(&field.name);
    }
    text
}

fn type_expr(ty: &TypeExpr) -> String {
    let mut text = match &ty.kind {
        TypeKind::Named(name) => name.name.clone(),
        TypeKind::Set(element) => format!("Set<{}>", type_expr(element)),
        TypeKind::List(element) => format!("List<{}>", type_expr(element)),
    };
    if ty.optional {
        text.push('?');
    }
    text
}

fn names(idents: &[Ident], separator: &str) -> String {
    idents
        .iter()
        .map(|ident| ident.name.as_str())
        .collect::<Vec<_>>()
        .join(separator)
}

/// A string literal whose value is `value`: quotes, backslashes, line breaks and tabs escaped,
/// and every other character that must not reach a terminal or a reader unseen (controls, line
/// separators, bidi controls) as `\u{…}`, so formatting never turns an escape into an invisible
/// character that reorders the source.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ch if crate::escape::is_harmful(ch) => out.push_str(&format!("\\u{{{:x}}}", ch as u32)),
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------- expressions

/// Binding powers, loosest first, as in the precedence table of `lower.rs`: `or`, `and`,
/// prefix `not`, comparisons, `union`/`without`/`+`/`-`, `intersect`/`*`, prefix `-`, postfix
/// (`.field`, `is some`, `is none`), then operands.
const OR: u8 = 10;
const AND: u8 = 20;
const NOT: u8 = 30;
const COMPARE: u8 = 40;
const ADD: u8 = 50;
const MUL: u8 = 60;
const NEG: u8 = 70;
const POSTFIX: u8 = 80;
const OPERAND: u8 = 90;

fn binary_power(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In
        | BinaryOp::NotIn
        | BinaryOp::Subset => COMPARE,
        BinaryOp::Union | BinaryOp::Without | BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Intersect | BinaryOp::Mul => MUL,
    }
}

/// How loosely an expression's outermost operator binds.
fn power(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(op, _, _) => binary_power(*op),
        ExprKind::Not(_) => NOT,
        // Only `-9223372036854775808` lowers to a negative literal; it reads as a negation.
        ExprKind::Neg(_) => NEG,
        ExprKind::Int(value) if *value < 0 => NEG,
        ExprKind::Field(_, _) | ExprKind::IsSome(_) | ExprKind::IsNone(_) => POSTFIX,
        _ => OPERAND,
    }
}

/// The text of an expression on one line, with the parentheses precedence needs and those its
/// author wrote around an `and` inside an `or` (or the reverse).
pub fn expr(expr: &Expr) -> String {
    doc::flat_text(&expr_doc(expr, 0, true))
}

/// The lines of `prefix` then `expr`, laid out to fit in [`MAX_WIDTH`] columns at `indent` levels,
/// each with its indentation relative to `indent`.
fn expr_lines(prefix: &str, expr: &Expr, indent: usize) -> Vec<(usize, String)> {
    let doc = Doc::Concat(vec![Doc::text(prefix), expr_doc(expr, 0, true)]);
    doc::layout(&doc, MAX_WIDTH.saturating_sub(indent * 2))
}

/// The layout of `expr` where the context needs it to bind at least as tightly as `min_power`.
///
/// `open_right` says whether nothing follows it up to the end of the enclosing bracket or
/// clause: `if` and quantifiers take in everything after them, so elsewhere they need
/// parentheses.
fn expr_doc(expr: &Expr, min_power: u8, open_right: bool) -> Doc {
    let reaches_right = matches!(expr.kind, ExprKind::If(..) | ExprKind::Quantified(..));
    if power(expr) < min_power || (reaches_right && !open_right) {
        parenthesised_expr(expr)
    } else {
        bare_doc(expr, open_right)
    }
}

/// `(inner)`; when it breaks, `(` ends its line, `inner` is indented below and `)` has a line
/// of its own.
fn parenthesised(inner: Doc) -> Doc {
    Doc::group(Doc::Concat(vec![
        Doc::text("("),
        Doc::nest(Doc::Concat(vec![Doc::SoftLine, inner])),
        Doc::SoftLine,
        Doc::text(")"),
    ]))
}

/// Whether the author wrote parentheses around `operand`, an `or` under an `and` or an `and`
/// under an `or`: they are kept, although precedence alone does not need them for the second.
///
/// The tree keeps no node for parentheses; lowering gives the expression inside the span of the
/// parentheses, so a binary expression in parentheses starts before its left operand.
fn keeps_parentheses(parent: BinaryOp, operand: &Expr) -> bool {
    match (parent, &operand.kind) {
        (BinaryOp::And, ExprKind::Binary(BinaryOp::Or, left, _))
        | (BinaryOp::Or, ExprKind::Binary(BinaryOp::And, left, _)) => operand.span.start < left.span.start,
        _ => false,
    }
}

/// Whether lines may break before the operators of this level: `or`, `and`, and the set and
/// arithmetic operators; comparisons stay on one line with their operands.
fn breaks_before(level: u8) -> bool {
    matches!(level, OR | AND | ADD | MUL)
}

fn bare_doc(expr: &Expr, open_right: bool) -> Doc {
    match &expr.kind {
        ExprKind::Bool(value) => Doc::text(if *value { "true" } else { "false" }),
        ExprKind::Int(value) => Doc::text(value.to_string()),
        ExprKind::Decimal(value) => Doc::text(value.to_string()),
        ExprKind::Text(value) => Doc::text(quote(value)),
        ExprKind::Date(date) => Doc::text(date.to_string()),
        ExprKind::None => Doc::text("none"),
        ExprKind::Name(name) => Doc::text(name.name.clone()),
        ExprKind::KeyRef(key_ref) => {
            let (record, key) = &**key_ref;
            Doc::text(format!("{}[{}]", record.name, quote(&key.value)))
        }
        // A lone text literal between the brackets would read back as a key reference: it keeps
        // parentheses, as it was written.
        ExprKind::Lookup(lookup) => {
            let (record, keys) = &**lookup;
            if let [
                key @ Expr {
                    kind: ExprKind::Text(_),
                    ..
                },
            ] = &keys[..]
            {
                Doc::text(format!("{}[({})]", record.name, quote_text(key)))
            } else {
                list_doc(&format!("{}[", record.name), keys, "]")
            }
        }
        ExprKind::Field(base, field) => Doc::Concat(vec![
            expr_doc(base, POSTFIX, false),
            Doc::text(format!(".{}", field.name)),
        ]),
        ExprKind::Call(call) => list_doc(&format!("{}(", call.0.name), &call.1, ")"),
        ExprKind::Set(elements) => list_doc("{", elements, "}"),
        ExprKind::Not(operand) => {
            // `not` takes in comparisons and tighter operators, and chains: `not not x`.
            let min = if matches!(operand.kind, ExprKind::Not(_)) {
                NOT
            } else {
                COMPARE
            };
            Doc::Concat(vec![Doc::text("not "), expr_doc(operand, min, open_right)])
        }
        ExprKind::Neg(operand) => {
            let min = if matches!(operand.kind, ExprKind::Neg(_)) {
                NEG
            } else {
                POSTFIX
            };
            Doc::Concat(vec![Doc::text("-"), expr_doc(operand, min, open_right)])
        }
        ExprKind::IsSome(operand) => {
            Doc::Concat(vec![expr_doc(operand, POSTFIX, false), Doc::text(" is some")])
        }
        ExprKind::IsNone(operand) => {
            Doc::Concat(vec![expr_doc(operand, POSTFIX, false), Doc::text(" is none")])
        }
        ExprKind::Binary(..) => chain_doc(expr, open_right),
        ExprKind::Quantified(quantifier, quantified) => {
            let (var, set, body) = &**quantified;
            let keyword = match quantifier {
                Quantifier::Any => "any",
                Quantifier::All => "all",
            };
            Doc::group(Doc::Concat(vec![
                Doc::text(format!("{keyword} {} in ", var.name)),
                expr_doc(set, 0, true),
                Doc::text(":"),
                Doc::nest(Doc::Concat(vec![Doc::Line, expr_doc(body, 0, open_right)])),
            ]))
        }
        ExprKind::If(condition, then, otherwise) => Doc::group(Doc::Concat(vec![
            Doc::text("if "),
            expr_doc(condition, 0, true),
            Doc::nest(Doc::Concat(vec![
                Doc::Line,
                Doc::text("then "),
                expr_doc(then, 0, true),
                Doc::Line,
                Doc::text("else "),
                expr_doc(otherwise, 0, open_right),
            ])),
        ])),
    }
}

/// A run of binary operators of one level, `a and b and c`: on one line if it fits, else broken
/// before each operator (of `or`, `and`, set and arithmetic operators), the operands after the
/// first indented one level. A run of a tighter level that starts the run is indented one level
/// more, so the lines show how the operators group.
fn chain_doc(expr: &Expr, open_right: bool) -> Doc {
    match chain_parts(expr, open_right) {
        (first, Some(tail)) => Doc::group(Doc::Concat(vec![first, Doc::nest(Doc::Concat(tail))])),
        (joined, None) => joined,
    }
}

/// An expression in parentheses. A run of operators inside breaks with them: `(` ends its line,
/// the operands and their operators follow one per line, one level deeper, and `)` closes alone.
fn parenthesised_expr(expr: &Expr) -> Doc {
    if !matches!(expr.kind, ExprKind::Binary(..)) {
        return parenthesised(bare_doc(expr, true));
    }
    match chain_parts(expr, true) {
        (first, Some(tail)) => {
            let mut inner = vec![Doc::SoftLine, first];
            inner.extend(tail);
            Doc::group(Doc::Concat(vec![
                Doc::text("("),
                Doc::nest(Doc::Concat(inner)),
                Doc::SoftLine,
                Doc::text(")"),
            ]))
        }
        (joined, None) => parenthesised(joined),
    }
}

/// The first operand of a run and, if lines may break before its operators, the rest as
/// `line, operator, operand` triples; otherwise the whole run on one line.
fn chain_parts(expr: &Expr, open_right: bool) -> (Doc, Option<Vec<Doc>>) {
    let level = power(expr);
    // Every level is left-associative: the run is the left spine at this level, and a right
    // operand at the same level keeps its parentheses (`a - (b - c)`).
    let mut rest = Vec::new();
    let mut first = expr;
    while let ExprKind::Binary(op, left, right) = &first.kind {
        if binary_power(*op) != level {
            break;
        }
        rest.push((*op, right.as_ref()));
        first = left;
    }
    rest.reverse();
    let Some(&(first_op, _)) = rest.first() else {
        unreachable!("chain_parts: only binary expressions form runs of operators")
    };
    let operand = |op: BinaryOp, operand: &Expr, min: u8, open: bool| {
        if keeps_parentheses(op, operand) {
            parenthesised_expr(operand)
        } else {
            expr_doc(operand, min, open)
        }
    };
    let mut first_doc = operand(first_op, first, level, false);
    let n_rest = rest.len();
    if !breaks_before(level) {
        let mut docs = vec![first_doc];
        for (idx, (op, right)) in rest.into_iter().enumerate() {
            docs.push(Doc::text(format!(" {} ", op.as_str())));
            docs.push(operand(op, right, level + 1, open_right && idx + 1 == n_rest));
        }
        return (Doc::Concat(docs), None);
    }
    let first_is_run = matches!(first.kind, ExprKind::Binary(op, _, _) if breaks_before(binary_power(op)))
        && power(first) >= level
        && !keeps_parentheses(first_op, first);
    if first_is_run {
        first_doc = Doc::nest(first_doc);
    }
    let mut tail = Vec::new();
    for (idx, (op, right)) in rest.into_iter().enumerate() {
        tail.push(Doc::Line);
        tail.push(Doc::text(format!("{} ", op.as_str())));
        tail.push(operand(op, right, level + 1, open_right && idx + 1 == n_rest));
    }
    (first_doc, Some(tail))
}

/// Arguments or set elements between brackets: on one line if they fit, else one per line
/// (several per line when all are short literals or names), each followed by a comma.
fn list_doc(open: &str, items: &[Expr], close: &str) -> Doc {
    if items.is_empty() {
        return Doc::text(format!("{open}{close}"));
    }
    let docs: Vec<Doc> = items.iter().map(|item| expr_doc(item, 0, true)).collect();
    let body = if items.iter().all(is_atom) {
        Doc::Fill(docs)
    } else {
        let mut body = Vec::new();
        for (idx, doc) in docs.into_iter().enumerate() {
            if idx > 0 {
                body.push(Doc::text(","));
                body.push(Doc::Line);
            }
            body.push(doc);
        }
        Doc::Concat(body)
    };
    Doc::group(Doc::Concat(vec![
        Doc::text(open),
        Doc::nest(Doc::Concat(vec![Doc::SoftLine, body, Doc::IfBroken(",")])),
        Doc::SoftLine,
        Doc::text(close),
    ]))
}

/// The quoted text of a text literal.
fn quote_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Text(value) => quote(value),
        kind => unreachable!("quote_text: {kind:?} is not a text literal"),
    }
}

/// Whether an expression is a literal, a name, a key reference or a field of one: several fit
/// on a line of a long set or argument list.
fn is_atom(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Decimal(_)
        | ExprKind::Text(_)
        | ExprKind::Date(_)
        | ExprKind::None
        | ExprKind::Name(_)
        | ExprKind::KeyRef(..) => true,
        ExprKind::Field(base, _) => is_atom(base),
        ExprKind::Neg(operand) => matches!(operand.kind, ExprKind::Int(_) | ExprKind::Decimal(_)),
        _ => false,
    }
}

// ---------------------------------------------------------------- comparison

/// Whether two modules are the same tree, spans aside, with the same comments in the same order
/// (compared by their text, without trailing blanks).
pub fn same_tree(left: &Module, right: &Module) -> bool {
    let texts = |module: &Module| -> Vec<String> {
        module
            .comments
            .iter()
            .map(|comment| comment.text.trim_end().to_owned())
            .collect()
    };
    without_spans(&format!("{:?}", (&left.header, &left.items)))
        == without_spans(&format!("{:?}", (&right.header, &right.items)))
        && texts(left) == texts(right)
}

/// A `Debug` dump of syntax with every `Span { … }` taken out.
pub fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match rest.find('}') {
            Some(close) => rest = &rest[close + 1..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    /// Formats `let v = INPUT` and checks the printed value, and that it reads back the same.
    fn check(input: &str, expected: &str) {
        let text = format!("module \"m\"\nlet v = {input}\n");
        let mut sources = SourceMap::new();
        let id = sources.add("input.pol", text.clone());
        let module = crate::syntax::parse(&sources, id).expect("the input parses");
        let printed = print(&module, &text);
        assert_eq!(printed, format!("module \"m\"\n\nlet v = {expected}\n"));
        let again_id = sources.add("printed.pol", printed.clone());
        let again = crate::syntax::parse(&sources, again_id).expect("the printed text parses");
        assert!(same_tree(&module, &again), "{printed}");
    }

    #[test]
    fn parentheses_are_kept_only_where_precedence_needs_them() {
        check("((1 + 2)) * 3", "(1 + 2) * 3");
        check("1 + (2 * 3)", "1 + 2 * 3");
        check("(a or b) and c", "(a or b) and c");
        check("((a or b)) or c", "a or b or c");
    }

    #[test]
    fn parentheses_written_around_a_mixed_and_or_are_kept() {
        check("a or (b and c)", "a or (b and c)");
        check("(a and b) or c", "(a and b) or c");
        check("((a and b)) or (c)", "(a and b) or c");
        check("a or b and c", "a or b and c");
        check(
            "a and (b or c) and not (d or e)",
            "a and (b or c) and not (d or e)",
        );
        check("(a == b) or (c + 1 > 2)", "a == b or c + 1 > 2");
    }

    /// Formats a rule with the clause `when CONDITION` and checks the printed clause lines.
    fn check_condition(condition: &str, expected: &str) {
        let text = format!("policy \"p\"\nrule r: permit {{ when {condition} }}\n");
        let mut sources = SourceMap::new();
        let id = sources.add("input.pol", text.clone());
        let module = crate::syntax::parse(&sources, id).expect("the input parses");
        let printed = print(&module, &text);
        assert_eq!(
            printed,
            format!("policy \"p\"\n\nrule r: permit {{\n{expected}\n}}\n")
        );
        let again_id = sources.add("printed.pol", printed.clone());
        let again = crate::syntax::parse(&sources, again_id).expect("the printed text parses");
        assert!(same_tree(&module, &again), "{printed}");
        assert_eq!(print(&again, &printed), printed, "formatting is not idempotent");
    }

    #[test]
    fn a_long_condition_breaks_before_and_and_or() {
        check_condition(
            "t.item.category in controlled_categories and t.destination not in allied_countries and t.value > 1000",
            "  when t.item.category in controlled_categories\n    and t.destination not in allied_countries\n    and t.value > 1000",
        );
        check_condition(
            "t.item.category in controlled_categories and (t.destination.embargoed or t.end_user in listed_end_users)",
            "  when t.item.category in controlled_categories\n    and (t.destination.embargoed or t.end_user in listed_end_users)",
        );
        check_condition(
            "t.item_category_code in controlled_categories and (t.destination_country.embargoed_by_security_council or t.end_user_name in listed_end_users_of_concern)",
            "  when t.item_category_code in controlled_categories\n    and (\n      t.destination_country.embargoed_by_security_council\n      or t.end_user_name in listed_end_users_of_concern\n    )",
        );
    }

    #[test]
    fn an_and_that_starts_an_or_is_indented_deeper_when_both_break() {
        check_condition(
            "t.item_category_code in controlled_categories and t.destination_country.embargoed_by_security_council or t.end_user_name in listed_end_users",
            "  when t.item_category_code in controlled_categories\n      and t.destination_country.embargoed_by_security_council\n    or t.end_user_name in listed_end_users",
        );
    }

    #[test]
    fn long_sets_and_calls_break_inside_their_brackets() {
        check(
            "{\"Afghanistan\", \"Central African Republic\", \"Democratic Republic of the Congo\", \"Iraq\", \"Lebanon\", \"Libya\"}",
            "{\n  \"Afghanistan\", \"Central African Republic\", \"Democratic Republic of the Congo\", \"Iraq\", \"Lebanon\",\n  \"Libya\",\n}",
        );
        check(
            "within_days(transfer.shipment_date, transfer.licence.issue_date + 30, transfer.licence.expiry_date - 30, 1 + 2)",
            "within_days(\n  transfer.shipment_date,\n  transfer.licence.issue_date + 30,\n  transfer.licence.expiry_date - 30,\n  1 + 2,\n)",
        );
        check_condition(
            "if transfer.destination.embargoed_by_security_council then transfer.value > 2 else transfer.value > 1000000",
            "  when if transfer.destination.embargoed_by_security_council\n    then transfer.value > 2\n    else transfer.value > 1000000",
        );
    }

    #[test]
    fn left_associativity_keeps_parentheses_on_the_right() {
        check("(a - b) - c", "a - b - c");
        check("a - (b - c)", "a - (b - c)");
        check("a union (b without c)", "a union (b without c)");
    }

    #[test]
    fn prefix_and_postfix_operators_bind_as_the_grammar_says() {
        check("not (a == b)", "not a == b");
        check("(not a) == b", "(not a) == b");
        check("not (not a)", "not not a");
        check("-(a.b)", "-a.b");
        check("(-a).b", "(-a).b");
        check("(x is none) == false", "x is none == false");
        check("-(-1)", "--1");
    }

    #[test]
    fn if_and_quantifiers_are_parenthesised_unless_they_end_the_expression() {
        check("(if a then 1 else 2) + 3", "(if a then 1 else 2) + 3");
        check("3 + (if a then 1 else 2)", "3 + if a then 1 else 2");
        check("not (any x in s: x)", "not any x in s: x");
        check("(all x in s: x) and b", "(all x in s: x) and b");
    }

    #[test]
    fn literals_are_written_canonically() {
        check("\"a\\u{22}b\\u{d}\"", "\"a\\\"b\\u{d}\"");
        check("\"a\\u{202e}b\\u{2028}c\"", "\"a\\u{202e}b\\u{2028}c\"");
        check("1_000", "1000");
        check("{ 1 ,2, }", "{1, 2}");
        check("\"long\n    text\"", "\"long text\"");
    }
}
