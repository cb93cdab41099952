//! Printing: an `ast::Module` back to its canonical text, with every comment kept in place.
//! `pol fmt` is built on it, and parsing what it prints gives the same tree back.

use super::ast::{
    BinaryOp, DecideDecl, DefaultDecl, EnumDecl, ExpectDecl, Expected, Expr, ExprKind, FactDecl, FactPath,
    FactValue, FieldDecl, FnDecl, Header, HeaderKind, Ident, Item, LetDecl, Module, ObligationDecl,
    Quantifier, RecordDecl, RuleClause, RuleDecl, SubjectRef, TestDecl, TypeExpr, TypeKind, UseDecl,
    UseTarget,
};
use std::collections::BTreeMap;

use crate::source::Span;

/// Lines longer than this many columns are broken where the style allows (`let`, `fn`, `enum`).
pub const MAX_WIDTH: usize = 100;

/// The canonical text of a module, keeping every comment of `module.comments` at its place.
///
/// `source_text` is the text the module was parsed from; the spans of nodes and comments
/// index into it to find where comments and blank lines sit. A module built by hand (whose
/// spans point nowhere) prints without blank lines inside blocks.
///
/// Comments on their own lines stay on their own lines, before the item, clause or field
/// they precede; a comment after code on the same line stays after that code. A comment
/// written inside an expression or a test fact (which print on one line) moves to its own
/// line before it.
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
            .map(|line| line.indent * 2 + line.code.chars().count())
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
            let together = previous == Some((group, true)) && single && !gap_blank;
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
        if !holds_comments && one_line.chars().count() <= MAX_WIDTH {
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

    /// Prints `head = value` on one line, or breaks after `=` when the line would be too long.
    fn definition(&mut self, span: Span, head: String, value: &Expr) {
        let value = expr(value);
        let one_line = format!("{head} = {value}");
        let lines = if one_line.chars().count() <= MAX_WIDTH {
            vec![(0, one_line)]
        } else {
            vec![(0, format!("{head} =")), (1, value)]
        };
        self.leaf(0, span, lines);
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

    fn default_decl(&mut self, decl: &DefaultDecl) {
        let mut code = format!("default {}", decl.effect.as_str());
        if let Some(reason) = &decl.reason {
            code.push_str(&format!(" because {}", quote(&reason.value)));
        }
        self.leaf(0, decl.span, vec![(0, code)]);
    }

    fn rule_decl(&mut self, decl: &RuleDecl) {
        let opening = format!("rule {}: {}", decl.name.name, decl.effect.as_str());
        let first = decl.clauses.first().map(|clause| start(clause_span(clause)));
        if self.open_block(0, decl.span, &opening, first) {
            for clause in &decl.clauses {
                self.leaf(1, clause_span(clause), vec![(0, rule_clause(clause))]);
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

fn rule_clause(clause: &RuleClause) -> String {
    match clause {
        RuleClause::When(condition) => format!("when {}", expr(condition)),
        RuleClause::Unless(condition) => format!("unless {}", expr(condition)),
        RuleClause::Because(text) => format!("because {}", quote(&text.value)),
        RuleClause::Cite(text) => format!("cite {}", quote(&text.value)),
        RuleClause::Oblige(obligations, _) => format!("oblige {}", names(obligations, ", ")),
        RuleClause::Effective(date, _) => format!("effective {date}"),
        RuleClause::Until(date, _) => format!("until {date}"),
        RuleClause::ExceptionTo(rules, _) => format!("exception to {}", names(rules, ", ")),
    }
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
        FactValue::Text(text) => quote(&text.value),
        FactValue::Date(date, _) => date.to_string(),
        FactValue::Variant(name) => name.name.clone(),
        FactValue::Set(values, _) => {
            let values: Vec<String> = values.iter().map(fact_value).collect();
            format!("{{{}}}", values.join(", "))
        }
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
    format!(
        "{}[{}].{}",
        path.record.name,
        subject_ref(&path.subject),
        path.field.name
    )
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

/// A string literal whose value is `value`: quotes, backslashes, line breaks, tabs and other
/// control characters escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ch if ch.is_control() => out.push_str(&format!("\\u{{{:x}}}", ch as u32)),
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

/// The text of an expression, on one line, with only the parentheses it needs.
pub fn expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(expr, &mut out, 0, true);
    out
}

/// Writes `expr` where the context needs it to bind at least as tightly as `min_power`.
///
/// `open_right` says whether nothing follows it up to the end of the enclosing bracket or
/// clause: `if` and quantifiers take in everything after them, so elsewhere they need
/// parentheses.
fn write_expr(expr: &Expr, out: &mut String, min_power: u8, open_right: bool) {
    let reaches_right = matches!(expr.kind, ExprKind::If(..) | ExprKind::Quantified(..));
    if power(expr) < min_power || (reaches_right && !open_right) {
        out.push('(');
        write_bare(expr, out, true);
        out.push(')');
    } else {
        write_bare(expr, out, open_right);
    }
}

fn write_bare(expr: &Expr, out: &mut String, open_right: bool) {
    match &expr.kind {
        ExprKind::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        ExprKind::Int(value) => out.push_str(&value.to_string()),
        ExprKind::Text(value) => out.push_str(&quote(value)),
        ExprKind::Date(date) => out.push_str(&date.to_string()),
        ExprKind::None => out.push_str("none"),
        ExprKind::Name(name) => out.push_str(&name.name),
        ExprKind::KeyRef(record, key) => {
            out.push_str(&record.name);
            out.push('[');
            out.push_str(&quote(&key.value));
            out.push(']');
        }
        ExprKind::Field(base, field) => {
            write_expr(base, out, POSTFIX, false);
            out.push('.');
            out.push_str(&field.name);
        }
        ExprKind::Call(function, args) => {
            out.push_str(&function.name);
            out.push('(');
            write_list(args, out);
            out.push(')');
        }
        ExprKind::Set(elements) => {
            out.push('{');
            write_list(elements, out);
            out.push('}');
        }
        ExprKind::Not(operand) => {
            out.push_str("not ");
            // `not` takes in comparisons and tighter operators, and chains: `not not x`.
            let min = if matches!(operand.kind, ExprKind::Not(_)) {
                NOT
            } else {
                COMPARE
            };
            write_expr(operand, out, min, open_right);
        }
        ExprKind::Neg(operand) => {
            out.push('-');
            let min = if matches!(operand.kind, ExprKind::Neg(_)) {
                NEG
            } else {
                POSTFIX
            };
            write_expr(operand, out, min, open_right);
        }
        ExprKind::IsSome(operand) => {
            write_expr(operand, out, POSTFIX, false);
            out.push_str(" is some");
        }
        ExprKind::IsNone(operand) => {
            write_expr(operand, out, POSTFIX, false);
            out.push_str(" is none");
        }
        ExprKind::Binary(op, left, right) => {
            // Every level is left-associative: a right operand at the same level keeps its
            // parentheses (`a - (b - c)`).
            let level = binary_power(*op);
            write_expr(left, out, level, false);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_expr(right, out, level + 1, open_right);
        }
        ExprKind::Quantified(quantifier, var, set, body) => {
            out.push_str(match quantifier {
                Quantifier::Any => "any ",
                Quantifier::All => "all ",
            });
            out.push_str(&var.name);
            out.push_str(" in ");
            write_expr(set, out, 0, true);
            out.push_str(": ");
            write_expr(body, out, 0, open_right);
        }
        ExprKind::If(condition, then, otherwise) => {
            out.push_str("if ");
            write_expr(condition, out, 0, true);
            out.push_str(" then ");
            write_expr(then, out, 0, true);
            out.push_str(" else ");
            write_expr(otherwise, out, 0, open_right);
        }
    }
}

fn write_list(exprs: &[Expr], out: &mut String) {
    for (idx, element) in exprs.iter().enumerate() {
        if idx > 0 {
            out.push_str(", ");
        }
        write_expr(element, out, 0, true);
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
        check("a or (b and c)", "a or b and c");
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
        check("1_000", "1000");
        check("{ 1 ,2, }", "{1, 2}");
        check("\"long\n    text\"", "\"long text\"");
    }
}
