//! Lowering: pest pairs to `ast` nodes, one function per grammar rule.
//! Literal values are checked here (escapes, dates, integer range), and so is the
//! depth of every expression tree, so later stages can recurse over it safely.

use std::cell::{Cell, RefCell};
use std::iter::Peekable;

use pest::iterators::{Pair, Pairs};

use super::ast::{
    BinaryOp, Comment, DataDecl, DecideDecl, DecimalLit, DefaultDecl, Effect, EnumDecl, ExpectDecl, Expected,
    Expr, ExprKind, FactDecl, FactField, FactPath, FactValue, FieldDecl, FnDecl, Header, HeaderKind, Ident,
    Item, LetDecl, Module, ObligationDecl, Param, Quantifier, RecordDecl, RuleClause, RuleDecl, SubjectRef,
    TestDecl, Text, TypeExpr, TypeKind, UseDecl, UseTarget,
};
use super::grammar::{self, Cuts, Kind, Rule};
use super::messages;
use super::{Change, Parsed, Pieces};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};
use crate::value::Date;

/// Texts at least this long are cut into pieces parsed on several threads.
const PARALLEL_MIN_BYTES: usize = 64 * 1024;

/// The most threads one text is parsed on.
const MAX_THREADS: usize = 8;

/// How many pieces each thread parses, one after the other: smaller pieces keep pest's
/// token queue small, and its memory is reused from one piece to the next.
const PIECES_PER_THREAD: usize = 4;

/// The length of a piece beyond which a text is cut into more pieces, even on one thread: pest's
/// token queue and the lines it indexes for a piece of this size stay in the processor's cache,
/// where those of a whole large text do not.
pub(super) const PIECE_BYTES: usize = 32 * 1024;

/// The stack of each thread that parses a piece: as large as a main thread's usually is,
/// so that a piece may nest as deeply as a whole text parsed on the calling thread.
const PIECE_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Parses and lowers one source text.
///
/// A large text is cut before top-level declarations into pieces that are parsed and lowered
/// on several threads, then joined. The cut is only a faster way to the same tree: if any
/// piece fails to parse or has any diagnostic, the whole text is parsed again in one piece,
/// so every diagnostic is the one the single parse gives.
///
/// On failure the errors of the single parse come first, then those of every other broken
/// declaration (see [`parse_partial`]), then the warnings.
pub(crate) fn parse_module(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
) -> Result<(Module, Vec<Diagnostic>), Vec<Diagnostic>> {
    parse_module_warning_on(sources, id, max_nesting, threads_for(&sources.get(id).text))
        .map(|(module, warnings, _)| (module, warnings))
        .map_err(|parsed| parsed.diagnostics)
}

/// Parses and lowers one source text, declaration by declaration once the whole text fails
/// to parse, so that a broken declaration leaves the others in the tree.
///
/// A text that parses costs what [`parse_module`] costs. Otherwise the text is cut before
/// each declaration keyword the recovering pre-scan finds ([`Cuts::Recover`]), the header
/// and each declaration are parsed on their own, with the rest of the text after them so
/// that an error reads as in the single parse, and each that fails, or has a diagnostic
/// when lowered, is left out, its span in [`Parsed::skipped`].
pub(crate) fn parse_partial(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Parsed {
    let text = &sources.get(id).text;
    match parse_module_warning_on(sources, id, max_nesting, threads_for(text)) {
        Ok((module, warnings, cuts)) => Parsed {
            module,
            diagnostics: warnings,
            skipped: Vec::new(),
            pieces: Some(Pieces {
                cuts,
                len: text.len(),
                max_nesting,
            }),
        },
        Err(parsed) => *parsed,
    }
}

/// Parses a text again after `change`, from `previous`, the tree of the text before it, which
/// parsed whole and was cut at `pieces` (see [`super::reparse`]).
///
/// The new text is scanned whole (nesting, comments, warnings and its cuts), then cut before
/// each top-level declaration: a piece whose bytes and bounds are those of a piece of the
/// previous text, before the change or after it, keeps its declarations (moved by the length
/// the change added or removed); the others are parsed and lowered on their own, as
/// [`parse_pieces`] parses them. If any of them fails or has a diagnostic, the whole text is
/// parsed again ([`parse_partial`]), so every diagnostic is the one a parse from scratch gives.
pub(crate) fn reparse(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
    previous: Module,
    pieces: &Pieces,
    change: Change,
) -> Parsed {
    let text = &sources.get(id).text;
    if pieces.max_nesting == max_nesting
        && let Some(parsed) = reparse_pieces(text, id, max_nesting, previous, pieces, change)
    {
        return parsed;
    }
    parse_partial(sources, id, max_nesting)
}

#[cfg(test)]
thread_local! {
    /// How many pieces [`reparse`] lowered on this thread, for tests of what it parses again.
    static PIECES_LOWERED: Cell<usize> = const { Cell::new(0) };
    /// How many pieces [`lower_piece`] parsed on this thread, for tests of how a text is cut.
    static PIECES_PARSED: Cell<usize> = const { Cell::new(0) };
    /// How many whole texts the definitive parser parsed on this thread, for tests that the
    /// unchecked parser takes a text on its own.
    static CHECKED_PARSES: Cell<usize> = const { Cell::new(0) };
    /// Whether every expression's depths are replayed before it is climbed.
    static ALWAYS_REPLAY: Cell<bool> = const { Cell::new(false) };
}

/// Whether [`lower_expr`] replays the depths of every expression's operands before climbing it,
/// as it does where they may pass the limit, for tests that counting them while climbing gives
/// the same depths.
#[cfg(test)]
fn always_replay() -> bool {
    ALWAYS_REPLAY.with(Cell::get)
}

#[cfg(not(test))]
fn always_replay() -> bool {
    false
}

/// Makes [`lower_expr`] replay the depths of every expression on this thread, or not.
#[cfg(test)]
pub(super) fn set_always_replay(on: bool) {
    ALWAYS_REPLAY.with(|flag| flag.set(on));
}

/// How many whole texts the definitive parser parsed on this thread so far.
#[cfg(test)]
pub(super) fn n_checked_parses() -> usize {
    CHECKED_PARSES.with(Cell::get)
}

/// How many pieces [`reparse`] lowered on this thread so far.
#[cfg(test)]
pub(super) fn n_pieces_lowered() -> usize {
    PIECES_LOWERED.with(Cell::get)
}

/// How many pieces [`lower_piece`] parsed on this thread so far.
#[cfg(test)]
pub(super) fn n_pieces_parsed() -> usize {
    PIECES_PARSED.with(Cell::get)
}

/// The pieces of [`reparse`], or `None` where the whole text must be parsed again.
fn reparse_pieces(
    text: &str,
    id: SourceId,
    max_nesting: usize,
    previous: Module,
    pieces: &Pieces,
    change: Change,
) -> Option<Parsed> {
    if change.old_end > pieces.len
        || change.new_end > text.len()
        || pieces.len - change.old_end != text.len() - change.new_end
    {
        return None;
    }
    let scan = grammar::scan(text, id, max_nesting, Cuts::TopLevel).ok()?;
    let delta = change.new_end as i64 - change.old_end as i64;
    let old_bounds: Vec<usize> = std::iter::once(0)
        .chain(pieces.cuts.iter().copied())
        .chain(std::iter::once(pieces.len))
        .collect();
    let new_bounds: Vec<usize> = std::iter::once(0)
        .chain(scan.cuts.iter().copied())
        .chain(std::iter::once(text.len()))
        .collect();
    // The old piece a new piece is a copy of, and how far its declarations move: the same bytes
    // (wholly before the change, or wholly after it) between the same cuts.
    let copy_of = |start: usize, end: usize| -> Option<(usize, usize, i64)> {
        let (old_start, old_end, moved) = if end <= change.start {
            (start, end, 0)
        } else if start >= change.new_end {
            let back = |offset: usize| offset - change.new_end + change.old_end;
            (back(start), back(end), delta)
        } else {
            return None;
        };
        let idx = old_bounds.binary_search(&old_start).ok()?;
        (old_bounds.get(idx + 1) == Some(&old_end)).then_some((old_start, old_end, moved))
    };
    let blank = grammar::without_comments(text, &scan.comments);
    let mut old_header = Some(previous.header);
    let mut old_items = previous.items.into_iter().peekable();
    let mut header = None;
    let mut items = Vec::with_capacity(old_items.len());
    for bounds in new_bounds.windows(2) {
        let (start, end) = (bounds[0], bounds[1]);
        if let Some((old_start, old_end, moved)) = copy_of(start, end) {
            // The header is only ever the first piece of either text.
            if (start == 0) != (old_start == 0) {
                return None;
            }
            if start == 0 {
                header = old_header.take();
            }
            while old_items
                .next_if(|item| (item.span().start as usize) < old_start)
                .is_some()
            {}
            while let Some(mut item) = old_items.next_if(|item| (item.span().start as usize) < old_end) {
                super::shift::shift_item(&mut item, moved);
                items.push(item);
            }
        } else {
            #[cfg(test)]
            PIECES_LOWERED.with(|n| n.set(n.get() + 1));
            let (piece_header, piece_items) = lower_piece(&blank, id, max_nesting, start, end, false)?;
            if start == 0 {
                header = piece_header;
            }
            items.extend(piece_items);
        }
    }
    Some(Parsed {
        module: Module {
            header: header?,
            items,
            comments: super::comments(text, id, &scan.comments),
            span: Span::new(id, 0, text.len()),
        },
        diagnostics: scan.warnings,
        skipped: Vec::new(),
        pieces: Some(Pieces {
            cuts: scan.cuts,
            len: text.len(),
            max_nesting,
        }),
    })
}

/// How many threads a text is parsed on.
fn threads_for(text: &str) -> usize {
    if text.len() >= PARALLEL_MIN_BYTES {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(MAX_THREADS)
    } else {
        1
    }
}

/// Parses and lowers one source text like [`parse_module`], cut into about `threads`
/// pieces whatever its length (in one piece if `threads` is 1), without its warnings.
#[cfg(test)]
pub(super) fn parse_module_on(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
    threads: usize,
) -> Result<Module, Vec<Diagnostic>> {
    parse_module_warning_on(sources, id, max_nesting, threads)
        .map(|(module, _, _)| module)
        .map_err(|parsed| parsed.diagnostics)
}

/// Parses and lowers one source text cut into about `threads` pieces: the module and the
/// lexical warnings, or what is left of it declaration by declaration.
///
/// The text is always cut at its top-level declarations by the pre-scan (the cuts are returned
/// with the module), so that a later version of it can be parsed again piece by piece.
fn parse_module_warning_on(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
    threads: usize,
) -> Result<(Module, Vec<Diagnostic>, Vec<usize>), Box<Parsed>> {
    let text = &sources.get(id).text;
    let scan = match grammar::scan(text, id, max_nesting, Cuts::TopLevel) {
        Ok(scan) => scan,
        Err(diagnostic) => return Err(Box::new(recover(text, id, max_nesting, vec![diagnostic]))),
    };
    if let Some(module) = parse_with_fast_data(text, id, max_nesting, &scan, threads) {
        return Ok((module, scan.warnings, scan.cuts));
    }
    if (threads > 1 || text.len() >= 2 * PIECE_BYTES)
        && let Some(module) = parse_pieces(text, id, max_nesting, &scan, threads, false)
    {
        return Ok((module, scan.warnings, scan.cuts));
    }
    match parse_whole(text, id, max_nesting, &scan.comments, false) {
        Ok(module) => Ok((module, scan.warnings, scan.cuts)),
        Err(errors) => Err(Box::new(recover(text, id, max_nesting, errors))),
    }
}

/// Parses a text with `data` blocks: their rows read by the fast path of `data.rs`, the rest of
/// the text by the grammar with the blocks' bodies blank. `None` if the text has no `data` block,
/// or anything fails, or lowering has a diagnostic: the text is then parsed by the grammar alone.
fn parse_with_fast_data(
    text: &str,
    id: SourceId,
    max_nesting: usize,
    scan: &grammar::Scan,
    threads: usize,
) -> Option<Module> {
    let read = super::data::read(text, id, &scan.cuts)?;
    let blank = super::data::blanked(text, &read);
    let pieces = if threads > 1 || text.len() >= 2 * PIECE_BYTES {
        parse_pieces(&blank, id, max_nesting, scan, threads, true)
    } else {
        None
    };
    let mut module = match pieces {
        Some(module) => module,
        None => parse_whole(&blank, id, max_nesting, &scan.comments, true).ok()?,
    };
    module.comments = super::comments(text, id, &scan.comments);
    super::data::fill(&mut module, read).then_some(module)
}

/// Parses and lowers a whole text in one piece with the grammar alone, for tests that compare
/// the fast path for `data` with it.
#[cfg(test)]
pub(super) fn parse_by_grammar(sources: &SourceMap, id: SourceId) -> Result<Module, Vec<Diagnostic>> {
    let text = &sources.get(id).text;
    let scan = grammar::scan(text, id, super::DEFAULT_MAX_NESTING, Cuts::None).map_err(|d| vec![d])?;
    parse_whole_checked(text, id, super::DEFAULT_MAX_NESTING, &scan.comments, false)
}

/// Parses and lowers a text on one thread with what the fast path of `data.rs` reads; `None`
/// where the text would be parsed by the grammar alone, for tests that check the fast path ran.
#[cfg(test)]
pub(super) fn parse_read_by_hand(sources: &SourceMap, id: SourceId) -> Option<Module> {
    let text = &sources.get(id).text;
    let scan = grammar::scan(text, id, super::DEFAULT_MAX_NESTING, Cuts::TopLevel).ok()?;
    parse_with_fast_data(text, id, super::DEFAULT_MAX_NESTING, &scan, 1)
}

/// Parses a text that failed to parse whole declaration by declaration (see
/// [`parse_partial`]). `first` are the errors of the whole parse: they come first, as the
/// all-or-nothing parse has always given them, then the other errors (lexical, then syntax,
/// then those of lowering, each in text order), then the warnings.
fn recover(text: &str, id: SourceId, max_nesting: usize, first: Vec<Diagnostic>) -> Parsed {
    let scan = match grammar::scan(text, id, max_nesting, Cuts::Recover) {
        Ok(scan) => scan,
        Err(diagnostic) => unreachable!("a recovering scan keeps going after {diagnostic:?}"),
    };
    let header_end = scan.cuts.first().copied().unwrap_or(text.len());
    let ends = scan
        .cuts
        .iter()
        .skip(1)
        .copied()
        .chain(std::iter::once(text.len()));
    let pieces: Vec<(usize, usize)> = scan.cuts.iter().copied().zip(ends).collect();
    // The piece each lexical error is in: 0 for the header, then one per declaration.
    let mut poisoned = vec![false; pieces.len() + 1];
    for (at, _) in &scan.errors {
        poisoned[scan.cuts.partition_point(|cut| cut <= at)] = true;
    }
    let trimmed = |start: usize, end: usize| {
        Span::new(
            id,
            start,
            start + text[start..end].trim_end_matches([' ', '\t', '\r', '\n']).len(),
        )
    };
    // The lexical and syntax errors, each with the piece it is in: one a piece at most.
    let piece_of = |at: usize| {
        let idx = scan.cuts.partition_point(|cut| *cut <= at);
        let start = idx.checked_sub(1).map_or(0, |idx| scan.cuts[idx]);
        let end = scan.cuts.get(idx).copied().unwrap_or(text.len());
        start..end
    };
    let lexical_errors: Vec<(std::ops::Range<usize>, Diagnostic)> = scan
        .errors
        .iter()
        .map(|(at, diagnostic)| (piece_of(*at), diagnostic.clone()))
        .collect();
    let mut syntax_errors = Vec::new();
    let mut lowering_errors = Vec::new();
    let mut skipped = Vec::new();

    let header_span = trimmed(0, header_end);
    let mut header = None;
    if !poisoned[0] {
        match grammar::parse_declaration(Rule::header_only, text, id, max_nesting) {
            Ok(pair) => {
                let ctx = Ctx::new(id, 0, max_nesting);
                let mut cursor = Cursor::new(pair);
                header = Some(lower_header(&ctx, cursor.expect(Rule::header)));
                cursor.optional(Rule::EOI);
                cursor.finish();
                lowering_errors.extend(ctx.diagnostics.into_inner());
            }
            Err(diagnostic) => syntax_errors.push((0..header_end, diagnostic)),
        }
    }
    let header = header.unwrap_or_else(|| {
        skipped.push(header_span);
        placeholder_header(text, id, header_span)
    });

    let mut items = Vec::new();
    // A declaration that parsed ends before the next cut; should one ever read past it,
    // the pieces it covers are not parsed again.
    let mut parsed_to = 0;
    for (&(start, end), poisoned) in pieces.iter().zip(&poisoned[1..]) {
        if start < parsed_to {
            continue;
        }
        let span = trimmed(start, end);
        if *poisoned {
            skipped.push(span);
            continue;
        }
        match grammar::parse_declaration(Rule::declaration, &text[start..], id, max_nesting) {
            Ok(pair) => {
                let ctx = Ctx::new(id, start, max_nesting);
                let mut cursor = Cursor::new(pair);
                let item = lower_item(&ctx, cursor.any());
                cursor.optional(Rule::EOI);
                cursor.finish();
                let diagnostics = ctx.diagnostics.into_inner();
                match item {
                    Ok(item) if diagnostics.is_empty() => {
                        parsed_to = item.span().end as usize;
                        items.push(item);
                    }
                    _ => {
                        lowering_errors.extend(diagnostics);
                        skipped.push(span);
                    }
                }
            }
            Err(diagnostic) => {
                syntax_errors.push((start..end, shifted(diagnostic, start)));
                skipped.push(span);
            }
        }
    }

    let mut diagnostics = first;
    let known = diagnostics.len();
    // A piece's lexical or syntax error is the one the whole parse gave if that one has the
    // same code and is in the same piece (pest's guard against running out of stack may stop
    // at another place in a piece than in the whole text). An error found at the next cut
    // belongs to the piece before it; each error of the whole parse stands for one piece's.
    let mut matched = vec![false; known];
    for (piece, diagnostic) in lexical_errors.into_iter().chain(syntax_errors) {
        let same = diagnostics[..known]
            .iter()
            .zip(&matched)
            .position(|(known, matched)| {
                !matched
                    && known.code == diagnostic.code
                    && known
                        .span()
                        .is_some_and(|span| (piece.start..=piece.end).contains(&(span.start as usize)))
            });
        match same {
            Some(idx) => matched[idx] = true,
            None => diagnostics.push(diagnostic),
        }
    }
    for diagnostic in lowering_errors {
        if !diagnostics[..known].contains(&diagnostic) {
            diagnostics.push(diagnostic);
        }
    }
    diagnostics.extend(scan.warnings);
    Parsed {
        module: Module {
            header,
            items,
            comments: super::comments(text, id, &scan.comments),
            span: Span::new(id, 0, text.len()),
        },
        diagnostics,
        skipped,
        pieces: None,
    }
}

/// The header of a module whose header does not parse: `module` if its first word says so,
/// else `policy`, and the first string after that word as its title, else an empty one.
fn placeholder_header(text: &str, id: SourceId, span: Span) -> Header {
    let piece = &text[..span.end as usize];
    let mut tokens = grammar::Lexer::new(piece).filter(|token| token.kind != grammar::TokenKind::Comment);
    let first = tokens.next();
    let kind = match first.map(|token| &piece[token.start..token.end]) {
        Some("module") => HeaderKind::Module,
        _ => HeaderKind::Policy,
    };
    let title = match tokens.next() {
        Some(token)
            if token.kind == (grammar::TokenKind::String { terminated: true })
                && first
                    .is_some_and(|first| ["policy", "module"].contains(&&piece[first.start..first.end])) =>
        {
            Text {
                value: piece[token.start + 1..token.end - 1].to_owned(),
                span: Span::new(id, token.start, token.end),
            }
        }
        _ => Text {
            value: String::new(),
            span: Span::new(id, span.start as usize, span.start as usize),
        },
    };
    Header {
        kind,
        title,
        source: None,
        span,
    }
}

/// A diagnostic found in a text that starts `offset` bytes into its source, with its spans
/// moved to the source.
fn shifted(mut diagnostic: Diagnostic, offset: usize) -> Diagnostic {
    let labels = diagnostic
        .primary
        .iter_mut()
        .chain(diagnostic.secondary.iter_mut());
    for label in labels {
        label.span = Span::new(
            label.span.source,
            label.span.start as usize + offset,
            label.span.end as usize + offset,
        );
    }
    diagnostic
}

/// Parses and lowers one source text cut into about `threads` pieces, or `None` where
/// [`parse_module_on`] would parse it in one piece instead.
#[cfg(test)]
pub(super) fn parse_in_pieces(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
    threads: usize,
) -> Option<Module> {
    let text = &sources.get(id).text;
    let scan = grammar::scan(text, id, max_nesting, Cuts::TopLevel).ok()?;
    parse_pieces(text, id, max_nesting, &scan, threads, false)
}

/// Parses and lowers a whole text in one piece: with the unchecked parser first, then, if that
/// fails, finds a reserved word as a name or has any diagnostic, with the definitive one, whose
/// tree and errors it gives.
fn parse_whole(
    text: &str,
    id: SourceId,
    max_nesting: usize,
    comments: &[grammar::Token],
    bodies_read: bool,
) -> Result<Module, Vec<Diagnostic>> {
    let blank = grammar::without_comments(text, comments);
    if let Some(pair) = grammar::parse_unchecked(&blank) {
        let mut ctx = Ctx::new(id, 0, max_nesting);
        ctx.bodies_read = bodies_read;
        let module = lower_module(&ctx, pair, text, comments);
        if let Ok(module) = module
            && ctx.is_clean()
        {
            return Ok(module);
        }
    }
    parse_whole_checked(text, id, max_nesting, comments, bodies_read)
}

/// Parses and lowers a whole text in one piece with the definitive parser alone.
fn parse_whole_checked(
    text: &str,
    id: SourceId,
    max_nesting: usize,
    comments: &[grammar::Token],
    bodies_read: bool,
) -> Result<Module, Vec<Diagnostic>> {
    #[cfg(test)]
    CHECKED_PARSES.with(|n| n.set(n.get() + 1));
    let pair = grammar::parse_tree(text, id, max_nesting).map_err(|diagnostic| vec![diagnostic])?;
    let mut ctx = Ctx::new(id, 0, max_nesting);
    ctx.bodies_read = bodies_read;
    let module = lower_module(&ctx, pair, text, comments);
    let diagnostics = ctx.diagnostics.into_inner();
    match module {
        Ok(module) if diagnostics.is_empty() => Ok(module),
        _ => Err(diagnostics),
    }
}

/// Parses and lowers a text cut into pieces of similar length, [`PIECES_PER_THREAD`] after
/// each other on each of `threads` threads, or more where a piece would be longer than
/// [`PIECE_BYTES`]; `None` if there is nowhere to cut, or if any piece fails to parse or has a
/// diagnostic.
fn parse_pieces(
    text: &str,
    id: SourceId,
    max_nesting: usize,
    scan: &grammar::Scan,
    threads: usize,
    bodies_read: bool,
) -> Option<Module> {
    let n_pieces = (threads * PIECES_PER_THREAD).max(text.len() / PIECE_BYTES);
    let mut bounds = vec![0];
    for idx in 1..n_pieces {
        let target = text.len() / n_pieces * idx;
        let at = scan.cuts.partition_point(|cut| *cut < target);
        match scan.cuts.get(at) {
            Some(&cut) if Some(&cut) != bounds.last() => bounds.push(cut),
            _ => {}
        }
    }
    if bounds.len() < 2 {
        return None;
    }
    bounds.push(text.len());
    let pieces: Vec<(usize, usize)> = bounds.windows(2).map(|pair| (pair[0], pair[1])).collect();
    let blank = grammar::without_comments(text, &scan.comments);
    let blank: &str = &blank;
    let lower_run = |run: &[(usize, usize)]| -> Option<Vec<(Option<Header>, Vec<Item>)>> {
        run.iter()
            .map(|&(start, end)| lower_piece(blank, id, max_nesting, start, end, bodies_read))
            .collect()
    };
    let mut runs = pieces.chunks(pieces.len().div_ceil(threads));
    let first_run = runs.next()?;
    let lowered = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .map(|run| {
                std::thread::Builder::new()
                    .stack_size(PIECE_STACK_BYTES)
                    .spawn_scoped(scope, move || lower_run(run))
            })
            .collect();
        let mut lowered = vec![lower_run(first_run)];
        for handle in handles {
            // A thread that could not start, or a piece that did not lower, sends the
            // whole text down the single path.
            lowered.push(handle.ok().and_then(|handle| handle.join().ok()).flatten());
        }
        lowered
    });
    let lowered: Vec<(Option<Header>, Vec<Item>)> = lowered.into_iter().flatten().flatten().collect();
    if lowered.len() != pieces.len() {
        return None;
    }
    let mut items = Vec::with_capacity(lowered.iter().map(|(_, items)| items.len()).sum());
    let mut header = None;
    for (piece_header, piece_items) in lowered {
        header = header.or(piece_header);
        items.extend(piece_items);
    }
    Some(Module {
        header: header?,
        items,
        comments: super::comments(text, id, &scan.comments),
        span: Span::new(id, 0, text.len()),
    })
}

/// Parses and lowers the piece `start..end` of a text whose comments are blank
/// ([`grammar::without_comments`]): its header if it is the first piece, and its declarations,
/// with spans in the whole text. `None` if it does not parse or has a diagnostic.
fn lower_piece(
    text: &str,
    id: SourceId,
    max_nesting: usize,
    start: usize,
    end: usize,
    bodies_read: bool,
) -> Option<(Option<Header>, Vec<Item>)> {
    #[cfg(test)]
    PIECES_PARSED.with(|n| n.set(n.get() + 1));
    let first = start == 0;
    let pair = grammar::parse_piece(&text[start..end], first)?;
    let mut ctx = Ctx::new(id, start, max_nesting);
    ctx.bodies_read = bodies_read;
    let mut cursor = Cursor::new(pair);
    let header = first.then(|| lower_header(&ctx, cursor.expect(Rule::header)));
    let items = lower_items(&ctx, &mut cursor).ok()?;
    cursor.finish();
    ctx.is_clean().then_some((header, items))
}

/// Lowers what a prompt's input parsed into (`Rule::expr_input` or `Rule::items`): an
/// expression, or declarations; or the diagnostics lowering found.
pub(super) fn lower_input<R: Kind>(
    pair: Pair<'_, R>,
    id: SourceId,
    max_nesting: usize,
) -> Result<super::Input, Vec<Diagnostic>> {
    let ctx = Ctx::new(id, 0, max_nesting);
    let rule = pair.as_rule().kind();
    let mut cursor = Cursor::new(pair);
    let input = match rule {
        Rule::expr_input => lower_expr(&ctx, cursor.expect(Rule::expr), 0).map(|tall| super::Input::Expr {
            expr: *tall.expr,
            warnings: Vec::new(),
        }),
        Rule::items => lower_items(&ctx, &mut cursor).map(|items| super::Input::Items {
            items,
            warnings: Vec::new(),
        }),
        rule => unreachable!("lower_input: {rule:?} is not an entry rule for a prompt"),
    };
    cursor.optional(Rule::EOI);
    let diagnostics = ctx.diagnostics.into_inner();
    match input {
        Ok(input) if diagnostics.is_empty() => {
            cursor.finish();
            Ok(input)
        }
        _ => Err(diagnostics),
    }
}

// ---------------------------------------------------------------- plumbing

/// Lowering stopped: a diagnostic that makes going on pointless (nesting past the
/// limit) has been recorded.
struct Fatal;

type Lowered<T> = Result<T, Fatal>;

/// What every lowering function shares.
struct Ctx {
    id: SourceId,
    /// Where the parsed text starts in the source: pest's offsets are relative to it.
    offset: usize,
    max_nesting: usize,
    /// Problems found in literals; lowering goes on after them to report them all.
    diagnostics: RefCell<Vec<Diagnostic>>,
    /// Set once a fatal diagnostic is recorded.
    failed: Cell<bool>,
    /// Whether the bodies of `data` blocks were read before the grammar ran (`data.rs`) and
    /// blanked: only then may a body be `read_body`.
    bodies_read: bool,
    /// Set when a name is a reserved word, which only the unchecked parser lets through: its
    /// tree is then not the definitive grammar's.
    reserved: Cell<bool>,
    /// The depths of the operands of the expressions being climbed, innermost last (see
    /// [`climb_depths`]): one buffer for every expression, so that climbing allocates nothing.
    depths: RefCell<Vec<usize>>,
    /// The open calls [`climb_depths`] replays, kept between expressions for the same reason.
    open: RefCell<Vec<usize>>,
}

impl Ctx {
    fn new(id: SourceId, offset: usize, max_nesting: usize) -> Ctx {
        Ctx {
            bodies_read: false,
            id,
            offset,
            max_nesting,
            diagnostics: RefCell::new(Vec::new()),
            failed: Cell::new(false),
            reserved: Cell::new(false),
            depths: RefCell::new(Vec::new()),
            open: RefCell::new(Vec::new()),
        }
    }

    /// Whether lowering found nothing wrong: no diagnostic, and no reserved word as a name.
    fn is_clean(&self) -> bool {
        !self.reserved.get() && self.diagnostics.borrow().is_empty()
    }

    /// The span of a pair in the source. Every span of the tree is made here or from
    /// spans made here.
    fn span<R: Kind>(&self, pair: &Pair<'_, R>) -> Span {
        let span = pair.as_span();
        self.at(span.start(), span.end())
    }

    /// The span of the byte range `start..end` of the parsed text, in the source.
    fn at(&self, start: usize, end: usize) -> Span {
        Span::new(self.id, self.offset + start, self.offset + end)
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    fn fatal(&self, diagnostic: Diagnostic) -> Fatal {
        self.report(diagnostic);
        self.failed.set(true);
        Fatal
    }

    /// Builds an expression node of the given height, unless the tree it belongs to,
    /// whose root sits `depth` levels down, would then be deeper than the limit.
    ///
    /// Checking every node as it is built means no tree deeper than the limit (plus
    /// one) ever exists, so dropping a rejected one cannot exhaust the stack either.
    fn node(&self, kind: ExprKind, span: Span, height: usize, depth: usize, at: Span) -> Lowered<Tall> {
        if depth + height > self.max_nesting {
            return Err(self.fatal(messages::nesting_too_deep(self.max_nesting, at)));
        }
        Ok(Tall {
            expr: Box::new(Expr { kind, span }),
            height,
        })
    }
}

/// An expression and the height of its tree (a leaf has height 1).
///
/// The expression is boxed: parent nodes hold their children boxed anyway, and a small
/// value keeps the frames of the recursive lowering functions small.
struct Tall {
    expr: Box<Expr>,
    height: usize,
}

/// Walks the children of one pair in order.
struct Cursor<'i, R: Kind> {
    parent: Rule,
    children: Peekable<Pairs<'i, R>>,
}

impl<'i, R: Kind> Cursor<'i, R> {
    fn new(pair: Pair<'i, R>) -> Cursor<'i, R> {
        Cursor {
            parent: pair.as_rule().kind(),
            children: pair.into_inner().peekable(),
        }
    }

    /// The next child, which the grammar guarantees is a `rule`.
    fn expect(&mut self, rule: Rule) -> Pair<'i, R> {
        match self.children.next() {
            Some(pair) if pair.as_rule().kind() == rule => pair,
            Some(pair) => unreachable!(
                "{:?}: expected {rule:?}, found {:?}",
                self.parent,
                pair.as_rule().kind()
            ),
            None => unreachable!("{:?}: expected {rule:?}, found nothing", self.parent),
        }
    }

    /// The next child if it is a `rule`.
    fn optional(&mut self, rule: Rule) -> Option<Pair<'i, R>> {
        self.children.next_if(|pair| pair.as_rule().kind() == rule)
    }

    /// The next children while they are `rule`s.
    fn many(&mut self, rule: Rule) -> Vec<Pair<'i, R>> {
        std::iter::from_fn(|| self.optional(rule)).collect()
    }

    /// The next child, whatever it is.
    fn next(&mut self) -> Option<Pair<'i, R>> {
        self.children.next()
    }

    /// The next child, which the grammar guarantees exists.
    fn any(&mut self) -> Pair<'i, R> {
        self.children
            .next()
            .unwrap_or_else(|| unreachable!("{:?}: expected a child, found nothing", self.parent))
    }

    /// Asserts that every child was consumed.
    fn finish(mut self) {
        if let Some(pair) = self.children.next() {
            unreachable!("{:?}: unexpected child {:?}", self.parent, pair.as_rule().kind());
        }
    }
}

// ---------------------------------------------------------------- modules

fn lower_module<R: Kind>(
    ctx: &Ctx,
    pair: Pair<'_, R>,
    text: &str,
    comments: &[grammar::Token],
) -> Lowered<Module> {
    let span = Span::new(ctx.id, 0, text.len());
    let mut cursor = Cursor::new(pair);
    let header = lower_header(ctx, cursor.expect(Rule::header));
    let items = lower_items(ctx, &mut cursor)?;
    cursor.finish();
    let comments: Vec<Comment> = super::comments(text, ctx.id, comments);
    Ok(Module {
        header,
        items,
        comments,
        span,
    })
}

fn lower_header<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Header {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let kind = lower_header_kind(cursor.expect(Rule::header_kind));
    let title = lower_string(ctx, cursor.expect(Rule::string));
    let source = cursor
        .optional(Rule::source_clause)
        .map(|pair| lower_source_clause(ctx, pair));
    cursor.finish();
    Header {
        kind,
        title,
        source,
        span,
    }
}

fn lower_header_kind<R: Kind>(pair: Pair<'_, R>) -> HeaderKind {
    match pair.as_str() {
        "policy" => HeaderKind::Policy,
        "module" => HeaderKind::Module,
        other => unreachable!("header_kind: `{other}` is neither `policy` nor `module`"),
    }
}

fn lower_source_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Text {
    let mut cursor = Cursor::new(pair);
    let text = lower_string(ctx, cursor.expect(Rule::string));
    cursor.finish();
    text
}

/// Lowers the remaining children of a cursor, declarations up to the end of input.
fn lower_items<R: Kind>(ctx: &Ctx, cursor: &mut Cursor<'_, R>) -> Lowered<Vec<Item>> {
    let mut items = Vec::new();
    while let Some(pair) = cursor.next() {
        match pair.as_rule().kind() {
            Rule::EOI => break,
            _ => items.push(lower_item(ctx, pair)?),
        }
    }
    Ok(items)
}

/// Lowers one declaration (`item` is a silent rule: the pair is the declaration itself).
fn lower_item<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<Item> {
    Ok(match pair.as_rule().kind() {
        Rule::use_decl => Item::Use(lower_use_decl(ctx, pair)),
        Rule::enum_decl => Item::Enum(lower_enum_decl(ctx, pair)),
        Rule::record_decl => Item::Record(lower_record_decl(ctx, pair)),
        Rule::let_decl => Item::Let(lower_let_decl(ctx, pair)?),
        Rule::fn_decl => Item::Fn(lower_fn_decl(ctx, pair)?),
        Rule::obligation_decl => Item::Obligation(lower_obligation_decl(ctx, pair)),
        Rule::decide_decl => Item::Decide(lower_decide_decl(ctx, pair)?),
        Rule::default_decl => Item::Default(lower_default_decl(ctx, pair)),
        Rule::rule_decl => Item::Rule(lower_rule_decl(ctx, pair)?),
        Rule::test_decl => Item::Test(lower_test_decl(ctx, pair)),
        Rule::data_decl => Item::Data(lower_data_decl(ctx, pair)),
        rule => unreachable!("item: {rule:?} is not a declaration"),
    })
}

fn lower_use_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> UseDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let target = match cursor.any() {
        pair if pair.as_rule().kind() == Rule::std_path => UseTarget::Std(lower_std_path(ctx, pair)),
        pair if pair.as_rule().kind() == Rule::string => UseTarget::File(lower_string(ctx, pair)),
        pair => unreachable!("use_decl: unexpected {:?}", pair.as_rule().kind()),
    };
    cursor.finish();
    UseDecl { target, span }
}

fn lower_std_path<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<Ident> {
    let mut cursor = Cursor::new(pair);
    let parts = lower_idents(ctx, &mut cursor);
    cursor.finish();
    parts
}

fn lower_enum_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> EnumDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let variants = lower_idents(ctx, &mut cursor);
    cursor.finish();
    EnumDecl { name, variants, span }
}

fn lower_record_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> RecordDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let (key, alias, compound_key) = match cursor.optional(Rule::key_clause) {
        Some(pair) => lower_key_clause(ctx, pair),
        None => (None, None, Vec::new()),
    };
    let fields = cursor
        .many(Rule::field_decl)
        .into_iter()
        .map(|pair| lower_field_decl(ctx, pair))
        .collect();
    cursor.finish();
    RecordDecl {
        name,
        key,
        alias,
        compound_key,
        fields,
        span,
    }
}

/// The key field, its alias, or the fields of a compound key.
fn lower_key_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> (Option<Ident>, Option<Ident>, Vec<Ident>) {
    let mut cursor = Cursor::new(pair);
    if let Some(fields) = cursor.optional(Rule::key_fields) {
        cursor.finish();
        return (None, None, lower_key_fields(ctx, fields));
    }
    let key = lower_ident(ctx, cursor.expect(Rule::ident));
    let alias = cursor
        .optional(Rule::alias_clause)
        .map(|pair| lower_alias_clause(ctx, pair));
    cursor.finish();
    (Some(key), alias, Vec::new())
}

fn lower_key_fields<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<Ident> {
    let mut cursor = Cursor::new(pair);
    let fields = lower_idents(ctx, &mut cursor);
    cursor.finish();
    fields
}

fn lower_alias_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Ident {
    let mut cursor = Cursor::new(pair);
    let alias = lower_ident(ctx, cursor.expect(Rule::ident));
    cursor.finish();
    alias
}

// ---------------------------------------------------------------- data

fn lower_data_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> DataDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    // A body read before the grammar ran: `data::fill` puts its rows in. In a text as written,
    // such a body is NUL bytes, which a data block cannot hold.
    if let Some(body) = cursor.optional(Rule::read_body)
        && !ctx.bodies_read
    {
        let start = body.as_span().start() + 1;
        ctx.report(messages::invalid_character(
            '\0',
            false,
            None,
            ctx.at(start, start + 1),
        ));
    }
    let rows = cursor
        .many(Rule::fact_decl)
        .into_iter()
        .map(|pair| lower_fact_decl(ctx, pair))
        .collect();
    cursor.finish();
    DataDecl { rows, span }
}

fn lower_field_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FieldDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let ty = lower_type_expr(ctx, cursor.expect(Rule::type_expr));
    cursor.finish();
    FieldDecl { name, ty, span }
}

/// Lowers a type. Its nesting (`Set<Set<…>>`) is bounded by the pre-scan.
fn lower_type_expr<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> TypeExpr {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let inner = cursor.any();
    let kind = match inner.as_rule().kind() {
        Rule::set_type => TypeKind::Set(Box::new(lower_set_type(ctx, inner))),
        Rule::list_type => TypeKind::List(Box::new(lower_list_type(ctx, inner))),
        Rule::named_type => TypeKind::Named(lower_named_type(ctx, inner)),
        rule => unreachable!("type_expr: unexpected {rule:?}"),
    };
    let optional = cursor.optional(Rule::optional_mark).is_some();
    cursor.finish();
    TypeExpr { kind, optional, span }
}

fn lower_set_type<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> TypeExpr {
    let mut cursor = Cursor::new(pair);
    let element = lower_type_expr(ctx, cursor.expect(Rule::type_expr));
    cursor.finish();
    element
}

fn lower_list_type<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> TypeExpr {
    let mut cursor = Cursor::new(pair);
    let element = lower_type_expr(ctx, cursor.expect(Rule::type_expr));
    cursor.finish();
    element
}

fn lower_named_type<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Ident {
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    cursor.finish();
    name
}

fn lower_let_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<LetDecl> {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let ty = cursor
        .optional(Rule::type_expr)
        .map(|pair| lower_type_expr(ctx, pair));
    let value = *lower_expr(ctx, cursor.expect(Rule::expr), 0)?.expr;
    cursor.finish();
    Ok(LetDecl {
        name,
        ty,
        value,
        span,
    })
}

fn lower_fn_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<FnDecl> {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let params = cursor
        .many(Rule::param)
        .into_iter()
        .map(|pair| lower_param(ctx, pair))
        .collect();
    let result = cursor
        .optional(Rule::type_expr)
        .map(|pair| lower_type_expr(ctx, pair));
    let body = *lower_expr(ctx, cursor.expect(Rule::expr), 0)?.expr;
    cursor.finish();
    Ok(FnDecl {
        name,
        params,
        result,
        body,
        span,
    })
}

fn lower_param<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Param {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let ty = lower_type_expr(ctx, cursor.expect(Rule::type_expr));
    cursor.finish();
    Param { name, ty, span }
}

fn lower_obligation_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> ObligationDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let text = lower_string(ctx, cursor.expect(Rule::string));
    cursor.finish();
    ObligationDecl { name, text, span }
}

fn lower_decide_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<DecideDecl> {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let var = lower_ident(ctx, cursor.expect(Rule::ident));
    let record = lower_ident(ctx, cursor.expect(Rule::ident));
    let date = match cursor.optional(Rule::expr) {
        Some(pair) => Some(*lower_expr(ctx, pair, 0)?.expr),
        None => None,
    };
    cursor.finish();
    Ok(DecideDecl {
        var,
        record,
        date,
        span,
    })
}

fn lower_default_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> DefaultDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let effect = lower_effect(cursor.expect(Rule::effect));
    let mut reason = cursor
        .optional(Rule::because_clause)
        .map(|pair| lower_because_clause(ctx, pair));
    let citation = cursor
        .optional(Rule::cite_clause)
        .map(|pair| lower_cite_clause(ctx, pair));
    // `cite "…" because "…"`: the grammar allows one of each, in either order.
    if reason.is_none() {
        reason = cursor
            .optional(Rule::because_clause)
            .map(|pair| lower_because_clause(ctx, pair));
    }
    cursor.finish();
    DefaultDecl {
        effect,
        reason,
        citation,
        span,
    }
}

fn lower_effect<R: Kind>(pair: Pair<'_, R>) -> Effect {
    match pair.as_str() {
        "permit" => Effect::Permit,
        "deny" => Effect::Deny,
        other => unreachable!("effect: `{other}` is neither `permit` nor `deny`"),
    }
}

fn lower_rule_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<RuleDecl> {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let effect_pair = cursor.expect(Rule::effect);
    let effect_span = ctx.span(&effect_pair);
    let effect = lower_effect(effect_pair);
    let mut clauses = Vec::with_capacity(cursor.children.len());
    while let Some(pair) = cursor.next() {
        clauses.push(lower_rule_clause(ctx, pair)?);
    }
    Ok(RuleDecl {
        name,
        effect,
        effect_span,
        clauses,
        span,
    })
}

/// Lowers one clause of a rule (`rule_clause` is a silent rule: the pair is the clause).
fn lower_rule_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<RuleClause> {
    Ok(match pair.as_rule().kind() {
        Rule::when_clause => RuleClause::When(lower_when_clause(ctx, pair)?),
        Rule::unless_clause => RuleClause::Unless(lower_unless_clause(ctx, pair)?),
        Rule::because_clause => RuleClause::Because(lower_because_clause(ctx, pair)),
        Rule::cite_clause => RuleClause::Cite(lower_cite_clause(ctx, pair)),
        Rule::oblige_clause => {
            let span = ctx.span(&pair);
            RuleClause::Oblige(lower_oblige_clause(ctx, pair), span)
        }
        Rule::effective_clause => {
            let span = ctx.span(&pair);
            RuleClause::Effective(lower_effective_clause(ctx, pair), span)
        }
        Rule::until_clause => {
            let span = ctx.span(&pair);
            RuleClause::Until(lower_until_clause(ctx, pair), span)
        }
        Rule::exception_clause => {
            let span = ctx.span(&pair);
            RuleClause::ExceptionTo(lower_exception_clause(ctx, pair), span)
        }
        rule => unreachable!("rule_clause: {rule:?} is not a clause"),
    })
}

fn lower_when_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<Expr> {
    let mut cursor = Cursor::new(pair);
    let condition = *lower_expr(ctx, cursor.expect(Rule::expr), 0)?.expr;
    cursor.finish();
    Ok(condition)
}

fn lower_unless_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Lowered<Expr> {
    let mut cursor = Cursor::new(pair);
    let condition = *lower_expr(ctx, cursor.expect(Rule::expr), 0)?.expr;
    cursor.finish();
    Ok(condition)
}

fn lower_because_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Text {
    let mut cursor = Cursor::new(pair);
    let reason = lower_string(ctx, cursor.expect(Rule::string));
    cursor.finish();
    reason
}

fn lower_cite_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Text {
    let mut cursor = Cursor::new(pair);
    let provision = lower_string(ctx, cursor.expect(Rule::string));
    cursor.finish();
    provision
}

fn lower_oblige_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<Ident> {
    let mut cursor = Cursor::new(pair);
    let names = lower_idents(ctx, &mut cursor);
    cursor.finish();
    names
}

fn lower_effective_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Date {
    let mut cursor = Cursor::new(pair);
    let date = lower_date(ctx, cursor.expect(Rule::date));
    cursor.finish();
    date
}

fn lower_until_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Date {
    let mut cursor = Cursor::new(pair);
    let date = lower_date(ctx, cursor.expect(Rule::date));
    cursor.finish();
    date
}

fn lower_exception_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<Ident> {
    let mut cursor = Cursor::new(pair);
    let names = lower_idents(ctx, &mut cursor);
    cursor.finish();
    names
}

// ---------------------------------------------------------------- tests

fn lower_test_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> TestDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_string(ctx, cursor.expect(Rule::string));
    let as_of = cursor.optional(Rule::as_of_clause).map(|pair| {
        let span = ctx.span(&pair);
        (lower_as_of_clause(ctx, pair), span)
    });
    let mut facts = Vec::new();
    let mut expects = Vec::new();
    while let Some(pair) = cursor.next() {
        match pair.as_rule().kind() {
            Rule::fact_decl => facts.push(lower_fact_decl(ctx, pair)),
            Rule::read_fact => facts.push(lower_read_fact(ctx, pair)),
            Rule::expect_decl => expects.push(lower_expect_decl(ctx, pair)),
            rule => unreachable!("test_decl: unexpected {rule:?}"),
        }
    }
    TestDecl {
        name,
        as_of,
        facts,
        expects,
        span,
    }
}

/// A fact of a test read before the grammar ran: `data::fill` puts it in place of this one, which
/// has no record name and the span it was read over. In a text as written, such a fact is NUL
/// bytes, which a test cannot hold.
fn lower_read_fact<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FactDecl {
    let span = ctx.span(&pair);
    if !ctx.bodies_read {
        let start = pair.as_span().start();
        ctx.report(messages::invalid_character(
            '\0',
            false,
            None,
            ctx.at(start, start + 1),
        ));
    }
    FactDecl {
        record: Ident {
            name: String::new(),
            span,
        },
        fields: Vec::new(),
        span,
    }
}

fn lower_as_of_clause<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Date {
    let mut cursor = Cursor::new(pair);
    let date = lower_date(ctx, cursor.expect(Rule::date));
    cursor.finish();
    date
}

fn lower_fact_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FactDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let record = lower_ident(ctx, cursor.expect(Rule::ident));
    let fields = cursor
        .many(Rule::fact_field)
        .into_iter()
        .map(|pair| lower_fact_field(ctx, pair))
        .collect();
    cursor.finish();
    FactDecl { record, fields, span }
}

fn lower_fact_field<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FactField {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let name = lower_ident(ctx, cursor.expect(Rule::ident));
    let value = lower_fact_value(ctx, cursor.expect(Rule::fact_value));
    cursor.finish();
    FactField { name, value, span }
}

/// Lowers a fact value. Nested sets are bounded by the pre-scan's bracket count.
fn lower_fact_value<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FactValue {
    let mut cursor = Cursor::new(pair);
    let inner = cursor.any();
    cursor.finish();
    let span = ctx.span(&inner);
    match inner.as_rule().kind() {
        Rule::unknown_lit => FactValue::Unknown(span),
        Rule::none_lit => FactValue::None(span),
        Rule::fact_set => FactValue::Set(lower_fact_set(ctx, inner), span),
        Rule::fact_record => FactValue::Record(Box::new(lower_fact_record(ctx, inner))),
        Rule::bool_lit => FactValue::Bool(lower_bool_lit(inner), span),
        Rule::int => FactValue::Int(lower_int(ctx, inner), span),
        Rule::negative_int => FactValue::Int(lower_negative_int(ctx, inner), span),
        Rule::decimal => FactValue::Decimal(lower_decimal(ctx, inner, false), span),
        Rule::negative_decimal => FactValue::Decimal(lower_decimal(ctx, inner, true), span),
        Rule::date => FactValue::Date(lower_date(ctx, inner), span),
        Rule::string => FactValue::Text(lower_string(ctx, inner)),
        Rule::ident => FactValue::Variant(lower_ident(ctx, inner)),
        rule => unreachable!("fact_value: unexpected {rule:?}"),
    }
}

/// A nested record has the shape of a fact (a record name, then fields), so it lowers as one;
/// its nesting is bounded by the pre-scan's bracket count.
fn lower_fact_record<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FactDecl {
    lower_fact_decl(ctx, pair)
}

fn lower_fact_set<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<FactValue> {
    let mut cursor = Cursor::new(pair);
    let values = cursor
        .many(Rule::fact_value)
        .into_iter()
        .map(|pair| lower_fact_value(ctx, pair))
        .collect();
    cursor.finish();
    values
}

fn lower_expect_decl<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> ExpectDecl {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let subject = lower_subject_ref(ctx, cursor.expect(Rule::subject_ref));
    let expected = match cursor.optional(Rule::expect_undecided) {
        Some(pair) => Expected::Undecided(lower_expect_undecided(ctx, pair)),
        None => {
            let effect = lower_effect(cursor.expect(Rule::effect));
            let rules = lower_expect_by(ctx, cursor.expect(Rule::expect_by));
            let obligations = cursor
                .optional(Rule::expect_oblige)
                .map(|pair| lower_expect_oblige(ctx, pair));
            Expected::Decided {
                effect,
                rules,
                obligations,
            }
        }
    };
    cursor.finish();
    ExpectDecl {
        subject,
        expected,
        span,
    }
}

fn lower_subject_ref<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> SubjectRef {
    let mut cursor = Cursor::new(pair);
    let inner = cursor.any();
    cursor.finish();
    lower_subject(ctx, inner)
}

/// A subject as written in `expect` or in a fact path: `"key"` or `#n`.
fn lower_subject<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> SubjectRef {
    match pair.as_rule().kind() {
        Rule::string => SubjectRef::Key(lower_string(ctx, pair)),
        Rule::position => {
            let span = ctx.span(&pair);
            SubjectRef::Position(lower_position(ctx, pair), span)
        }
        rule => unreachable!("subject_ref: unexpected {rule:?}"),
    }
}

/// Lowers `#n`, a 1-based position kept as written (the checker rejects `#0`).
fn lower_position<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> u32 {
    let mut cursor = Cursor::new(pair);
    let int = cursor.expect(Rule::int);
    cursor.finish();
    let digits: String = int.as_str().chars().filter(|ch| *ch != '_').collect();
    digits.parse().unwrap_or_else(|_| {
        ctx.report(messages::integer_too_large(
            int.as_str(),
            &format!("`#{}`", u32::MAX),
            ctx.span(&int),
        ));
        0
    })
}

fn lower_expect_by<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<Ident> {
    let mut cursor = Cursor::new(pair);
    let rules = lower_idents(ctx, &mut cursor);
    cursor.finish();
    rules
}

fn lower_expect_oblige<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Vec<Ident> {
    let mut cursor = Cursor::new(pair);
    let obligations = lower_idents(ctx, &mut cursor);
    cursor.finish();
    obligations
}

fn lower_expect_undecided<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Option<Vec<FactPath>> {
    let mut cursor = Cursor::new(pair);
    let paths: Vec<FactPath> = cursor
        .many(Rule::fact_path)
        .into_iter()
        .map(|pair| lower_fact_path(ctx, pair))
        .collect();
    cursor.finish();
    // The grammar requires a path after `missing`, so no paths means no `missing`.
    (!paths.is_empty()).then_some(paths)
}

fn lower_fact_path<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> FactPath {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let record = lower_ident(ctx, cursor.expect(Rule::ident));
    let subject = lower_subject(ctx, cursor.any());
    let field = lower_ident(ctx, cursor.expect(Rule::ident));
    let nested = cursor
        .many(Rule::ident)
        .into_iter()
        .map(|pair| lower_ident(ctx, pair))
        .collect();
    cursor.finish();
    FactPath {
        record,
        subject,
        field,
        nested,
        span,
    }
}

// ---------------------------------------------------------------- expressions

/// Where an operator sits in the precedence table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Fixity {
    Prefix,
    Infix,
    Postfix,
}

/// Binding powers, loosest first: the levels of `infix_op` in `grammar/pol.pest`, with
/// the prefix and postfix operators slotted in. Every infix level is left-associative.
const OR: usize = 10;
const AND: usize = 20;
const NOT: usize = 30;
const COMPARE: usize = 40;
const ADD: usize = 50;
const MUL: usize = 60;
const NEG: usize = 70;
const POSTFIX: usize = 80;

/// An infix operator from its text (`infix_op` is one token), with its binding power.
fn infix(text: &str) -> (BinaryOp, usize) {
    match text.as_bytes() {
        b"or" => (BinaryOp::Or, OR),
        b"and" => (BinaryOp::And, AND),
        b"==" => (BinaryOp::Eq, COMPARE),
        b"!=" => (BinaryOp::Ne, COMPARE),
        b"<=" => (BinaryOp::Le, COMPARE),
        b">=" => (BinaryOp::Ge, COMPARE),
        b"<" => (BinaryOp::Lt, COMPARE),
        b">" => (BinaryOp::Gt, COMPARE),
        b"in" => (BinaryOp::In, COMPARE),
        b"subset" => (BinaryOp::Subset, COMPARE),
        b"union" => (BinaryOp::Union, ADD),
        b"without" => (BinaryOp::Without, ADD),
        b"+" => (BinaryOp::Add, ADD),
        b"-" => (BinaryOp::Sub, ADD),
        b"intersect" => (BinaryOp::Intersect, MUL),
        b"*" => (BinaryOp::Mul, MUL),
        // `not in`, with any spaces or comments between its words.
        [b'n', b'o', b't', ..] => (BinaryOp::NotIn, COMPARE),
        _ => unreachable!("infix_op: `{text}` is not an infix operator"),
    }
}

/// An operator's fixity and binding power (higher binds tighter), or `None` for an
/// operand or the call arguments or key that follow a name.
fn operator<R: Kind>(pair: &Pair<'_, R>) -> Option<(Fixity, usize)> {
    match pair.as_rule().kind() {
        Rule::prefix_op if pair.as_str() == "-" => Some((Fixity::Prefix, NEG)),
        Rule::prefix_op => Some((Fixity::Prefix, NOT)),
        Rule::infix_op => Some((Fixity::Infix, infix(pair.as_str()).1)),
        Rule::field_op | Rule::is_some_op | Rule::is_none_op => Some((Fixity::Postfix, POSTFIX)),
        _ => None,
    }
}

/// Whether a child of `expr` continues the operand before it: a name's call arguments or key.
fn is_suffix<R: Kind>(pair: &Pair<'_, R>) -> bool {
    matches!(
        pair.as_rule().kind(),
        Rule::call | Rule::key_ref | Rule::key_lookup
    )
}

/// The depth of recursion at each operand of one flat `expr`, pushed onto `ctx.depths` from
/// the index returned, or a fatal error where it would pass the limit.
///
/// Climbing recurses once per prefix operator and once per infix operator whose right
/// side binds tighter; `x == not y == not z …` nests without bound. This replays its
/// descent with an explicit stack (the binding powers of the open calls, as in
/// [`Climb::expr`], [`Climb::nud`] and [`Climb::led`]) before it runs, so its real
/// recursion stays bounded.
fn climb_depths<R: Kind>(ctx: &Ctx, pairs: Pairs<'_, R>, depth: usize) -> Lowered<usize> {
    let mut open = ctx.open.borrow_mut();
    open.clear();
    open.push(0);
    let mut depths = ctx.depths.borrow_mut();
    let base = depths.len();
    for pair in pairs {
        match operator(&pair) {
            Some((Fixity::Prefix, power)) => open.push(power - 1),
            Some((fixity, power)) => {
                while open.last().is_some_and(|top| *top >= power) {
                    open.pop();
                }
                if fixity == Fixity::Infix {
                    open.push(power);
                }
            }
            None if is_suffix(&pair) => continue,
            None => depths.push(depth + open.len() - 1),
        }
        if depth + open.len() > ctx.max_nesting {
            depths.truncate(base);
            return Err(ctx.fatal(messages::nesting_too_deep(ctx.max_nesting, ctx.span(&pair))));
        }
    }
    Ok(base)
}

/// Lowers an expression whose root sits `depth` levels down its tree.
fn lower_expr<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let pairs = pair.into_inner();
    let mut peek = pairs.clone().peekable();
    let first = peek.next().expect("an `expr` has an operand");
    // An operand alone (a bracket's content, a branch, an argument) skips climbing:
    // deep nesting then costs fewer stack frames per level.
    if operator(&first).is_none() {
        let suffix = peek.next_if(is_suffix);
        if peek.peek().is_none() {
            return lower_operand(ctx, first, suffix, depth);
        }
    }
    // Each operator opens at most one call of the climb, so if even one call per child stays
    // within the limit, nothing can pass it: the depths are then counted while climbing, not
    // replayed first.
    let depths = if depth + 1 + pairs.len() <= ctx.max_nesting && !always_replay() {
        None
    } else {
        Some(climb_depths(ctx, pairs.clone(), depth)?)
    };
    let mut climb = Climb {
        ctx,
        pairs: pairs.peekable(),
        depths,
        next_operand: 0,
        open: 0,
        depth,
    };
    let lowered = climb.expr(0);
    // The operands' expressions took their depths from beyond this one's, and gave them back.
    if let Some(depths) = depths {
        ctx.depths.borrow_mut().truncate(depths);
    }
    lowered
}

/// Precedence climbing over the children of one `expr` (a Pratt parser).
///
/// Nodes are built in the order of the tree's post-order, operands left to right.
struct Climb<'c, 'i, R: Kind> {
    ctx: &'c Ctx,
    pairs: Peekable<Pairs<'i, R>>,
    /// Where the depth of each operand starts in `ctx.depths`, from [`climb_depths`]; `None`
    /// where no operand can pass the limit, and each is as deep as the calls of [`Climb::expr`]
    /// open when it is read (the stack [`climb_depths`] replays).
    depths: Option<usize>,
    next_operand: usize,
    /// The calls of [`Climb::expr`] open.
    open: usize,
    /// The depth of the whole expression's root.
    depth: usize,
}

impl<R: Kind> Climb<'_, '_, R> {
    /// An expression whose operators all bind tighter than `power`.
    fn expr(&mut self, power: usize) -> Lowered<Tall> {
        self.open += 1;
        let lowered = self.expr_open(power);
        self.open -= 1;
        lowered
    }

    /// The body of [`Climb::expr`], its call counted open.
    fn expr_open(&mut self, power: usize) -> Lowered<Tall> {
        let mut left = self.nud()?;
        while self
            .pairs
            .peek()
            .and_then(operator)
            .is_some_and(|(_, next)| power < next)
        {
            left = self.led(left)?;
        }
        Ok(left)
    }

    /// An operand, with the prefix operators before it.
    fn nud(&mut self) -> Lowered<Tall> {
        let pair = self
            .pairs
            .next()
            .expect("an `expr` has an operand after each operator");
        match pair.as_rule().kind() {
            Rule::prefix_op => {
                if let Some(min) = self.int_min(&pair) {
                    return min;
                }
                let power = if pair.as_str() == "-" { NEG } else { NOT };
                let operand = self.expr(power - 1)?;
                lower_prefix(self.ctx, pair, operand, self.depth)
            }
            _ => {
                let suffix = self.pairs.next_if(is_suffix);
                let depth = self.operand_depth(0);
                lower_operand(self.ctx, pair, suffix, depth)
            }
        }
    }

    /// `-9223372036854775808` as one literal, the smallest integer: its digits alone do not
    /// fit in 64 bits, so negating them afterwards cannot work. `None` for any other `-`.
    fn int_min(&mut self, minus: &Pair<'_, R>) -> Option<Lowered<Tall>> {
        let mut ahead = self.pairs.clone();
        let int = ahead.next().filter(|next| next.as_rule().kind() == Rule::int)?;
        // A postfix operator would bind to the digits before the minus applies.
        if minus.as_str() != "-"
            || ahead
                .peek()
                .is_some_and(|next| operator(next).is_some_and(|(fixity, _)| fixity == Fixity::Postfix))
        {
            return None;
        }
        let digits: String = int.as_str().chars().filter(|ch| *ch != '_').collect();
        if digits.trim_start_matches('0') != i64::MIN.unsigned_abs().to_string() {
            return None;
        }
        self.pairs.next();
        // The minus is a prefix operator whose call is never made: its digits sit one deeper.
        let depth = self.operand_depth(1);
        let span = self.ctx.span(minus).to(self.ctx.span(&int));
        Some(self.ctx.node(ExprKind::Int(i64::MIN), span, 1, depth, span))
    }

    /// The depth of the next operand, which sits `unopened` calls below those open.
    fn operand_depth(&mut self, unopened: usize) -> usize {
        let depth = match self.depths {
            Some(depths) => self.ctx.depths.borrow()[depths + self.next_operand],
            None => self.depth + self.open + unopened - 1,
        };
        self.next_operand += 1;
        depth
    }

    /// The operator after `left`, with its right side.
    fn led(&mut self, left: Tall) -> Lowered<Tall> {
        let pair = self.pairs.next().expect("the caller peeked an operator");
        match pair.as_rule().kind() {
            Rule::infix_op => {
                let (binary, power) = infix(pair.as_str());
                let right = self.expr(power)?;
                lower_infix(self.ctx, left, binary, &pair, right, self.depth)
            }
            _ => lower_postfix(self.ctx, left, pair, self.depth),
        }
    }
}

fn lower_prefix<R: Kind>(ctx: &Ctx, op: Pair<'_, R>, operand: Tall, depth: usize) -> Lowered<Tall> {
    let at = ctx.span(&op);
    let span = at.to(operand.expr.span);
    let kind = if op.as_str() == "-" {
        ExprKind::Neg(operand.expr)
    } else {
        ExprKind::Not(operand.expr)
    };
    ctx.node(kind, span, operand.height + 1, depth, at)
}

fn lower_infix<R: Kind>(
    ctx: &Ctx,
    left: Tall,
    op: BinaryOp,
    pair: &Pair<'_, R>,
    right: Tall,
    depth: usize,
) -> Lowered<Tall> {
    let at = ctx.span(pair);
    let height = left.height.max(right.height) + 1;
    let span = left.expr.span.to(right.expr.span);
    let kind = ExprKind::Binary(op, left.expr, right.expr);
    ctx.node(kind, span, height, depth, at)
}

fn lower_postfix<R: Kind>(ctx: &Ctx, operand: Tall, op: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let at = ctx.span(&op);
    let span = operand.expr.span.to(at);
    let kind = match op.as_rule().kind() {
        Rule::field_op => ExprKind::Field(operand.expr, lower_field_op(ctx, op)),
        Rule::is_some_op => ExprKind::IsSome(operand.expr),
        Rule::is_none_op => ExprKind::IsNone(operand.expr),
        rule => unreachable!("expr: {rule:?} is not a postfix operator"),
    };
    ctx.node(kind, span, operand.height + 1, depth, at)
}

fn lower_field_op<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Ident {
    let mut cursor = Cursor::new(pair);
    let field = lower_ident(ctx, cursor.expect(Rule::ident));
    cursor.finish();
    field
}

/// Lowers one operand (`primary` is a silent rule: the pair is the operand itself,
/// and a name may be followed by its call arguments or key).
///
/// Only the operands that hold expressions recurse; the others are lowered in
/// [`lower_literal`], which keeps this function's frame small on the recursive path.
fn lower_operand<'i, R: Kind>(
    ctx: &Ctx,
    pair: Pair<'i, R>,
    suffix: Option<Pair<'i, R>>,
    depth: usize,
) -> Lowered<Tall> {
    match (pair.as_rule().kind(), suffix) {
        (Rule::quantifier, _) => lower_quantifier(ctx, pair, depth),
        (Rule::if_expr, _) => lower_if_expr(ctx, pair, depth),
        (Rule::set_literal, _) => lower_set_literal(ctx, pair, depth),
        (Rule::paren, _) => lower_paren(ctx, pair, depth),
        (_, Some(call)) if call.as_rule().kind() == Rule::call => lower_call(ctx, pair, call, depth),
        (_, Some(lookup)) if lookup.as_rule().kind() == Rule::key_lookup => {
            lower_key_lookup(ctx, pair, lookup, depth)
        }
        (_, suffix) => lower_literal(ctx, pair, suffix, depth),
    }
}

/// Lowers an operand with no expression inside: a literal, a name or a key reference.
fn lower_literal<R: Kind>(
    ctx: &Ctx,
    pair: Pair<'_, R>,
    key: Option<Pair<'_, R>>,
    depth: usize,
) -> Lowered<Tall> {
    let mut span = ctx.span(&pair);
    let kind = match pair.as_rule().kind() {
        Rule::ident => {
            let name = lower_ident(ctx, pair);
            match key {
                Some(key) => {
                    span = span.to(ctx.span(&key));
                    ExprKind::KeyRef(Box::new((name, lower_key_ref(ctx, key))))
                }
                None => ExprKind::Name(name),
            }
        }
        Rule::date => ExprKind::Date(lower_date(ctx, pair)),
        Rule::int => ExprKind::Int(lower_int(ctx, pair)),
        Rule::decimal => ExprKind::Decimal(lower_decimal(ctx, pair, false)),
        Rule::string => ExprKind::Text(lower_string(ctx, pair).value),
        Rule::bool_lit => ExprKind::Bool(lower_bool_lit(pair)),
        Rule::none_lit => ExprKind::None,
        rule => unreachable!("primary: unexpected {rule:?}"),
    };
    ctx.node(kind, span, 1, depth, span)
}

fn lower_quantifier<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let kind_pair = cursor.expect(Rule::quantifier_kind);
    let at = ctx.span(&kind_pair);
    let quantifier = lower_quantifier_kind(kind_pair);
    let var = lower_ident(ctx, cursor.expect(Rule::ident));
    let [set, body] = lower_expr_array(ctx, &mut cursor, depth + 1)?;
    cursor.finish();
    let height = set.height.max(body.height) + 1;
    let kind = ExprKind::Quantified(quantifier, Box::new((var, *set.expr, *body.expr)));
    ctx.node(kind, span, height, depth, at)
}

fn lower_quantifier_kind<R: Kind>(pair: Pair<'_, R>) -> Quantifier {
    match pair.as_str() {
        "any" => Quantifier::Any,
        "all" => Quantifier::All,
        other => unreachable!("quantifier_kind: `{other}` is neither `any` nor `all`"),
    }
}

fn lower_if_expr<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let span = ctx.span(&pair);
    let at = Span::new(span.source, span.start as usize, span.start as usize + 2);
    let mut cursor = Cursor::new(pair);
    let [condition, then, otherwise] = lower_expr_array(ctx, &mut cursor, depth + 1)?;
    cursor.finish();
    let height = condition.height.max(then.height).max(otherwise.height) + 1;
    let kind = ExprKind::If(condition.expr, then.expr, otherwise.expr);
    ctx.node(kind, span, height, depth, at)
}

/// Lowers the next `N` children of a cursor, all expressions.
fn lower_expr_array<const N: usize, R: Kind>(
    ctx: &Ctx,
    cursor: &mut Cursor<'_, R>,
    depth: usize,
) -> Lowered<[Tall; N]> {
    let mut lowered = Vec::with_capacity(N);
    for _ in 0..N {
        lowered.push(lower_expr(ctx, cursor.expect(Rule::expr), depth)?);
    }
    Ok(lowered
        .try_into()
        .unwrap_or_else(|_| unreachable!("exactly {N} expressions were lowered")))
}

fn lower_set_literal<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let span = ctx.span(&pair);
    let at = Span::new(span.source, span.start as usize, span.start as usize + 1);
    let (elements, height) = lower_exprs(ctx, pair, depth + 1)?;
    ctx.node(ExprKind::Set(elements), span, height + 1, depth, at)
}

/// Lowers a call: the function's name and the `call` pair of its arguments.
fn lower_call<R: Kind>(ctx: &Ctx, name: Pair<'_, R>, call: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let function = lower_ident(ctx, name);
    let at = function.span;
    let span = at.to(ctx.span(&call));
    let (args, height) = lower_exprs(ctx, call, depth + 1)?;
    ctx.node(
        ExprKind::Call(Box::new((function, args))),
        span,
        height + 1,
        depth,
        at,
    )
}

fn lower_key_lookup<R: Kind>(
    ctx: &Ctx,
    name: Pair<'_, R>,
    lookup: Pair<'_, R>,
    depth: usize,
) -> Lowered<Tall> {
    let record = lower_ident(ctx, name);
    let at = record.span;
    let span = at.to(ctx.span(&lookup));
    let (keys, height) = lower_exprs(ctx, lookup, depth + 1)?;
    ctx.node(
        ExprKind::Lookup(Box::new((record, keys))),
        span,
        height + 1,
        depth,
        at,
    )
}

/// Lowers the children of a pair, all expressions, and returns the tallest height among
/// them (0 if none).
fn lower_exprs<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, depth: usize) -> Lowered<(Vec<Expr>, usize)> {
    let pairs = pair.into_inner();
    let mut exprs = Vec::with_capacity(pairs.len());
    let mut height = 0;
    for pair in pairs {
        debug_assert_eq!(pair.as_rule().kind(), Rule::expr);
        let tall = lower_expr(ctx, pair, depth)?;
        height = height.max(tall.height);
        exprs.push(*tall.expr);
    }
    Ok((exprs, height))
}

/// Lowers `(e)` to `e`, with a span that takes in the parentheses.
fn lower_paren<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, depth: usize) -> Lowered<Tall> {
    let span = ctx.span(&pair);
    let mut cursor = Cursor::new(pair);
    let mut inner = lower_expr(ctx, cursor.expect(Rule::expr), depth)?;
    cursor.finish();
    // INVARIANT: a binary expression in parentheses starts before its left operand; the printer
    // keeps the parentheses an author wrote around a mixed `and`/`or` by that alone.
    inner.expr.span = span;
    Ok(inner)
}

/// Lowers the key of a key reference, `["key"]`.
fn lower_key_ref<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Text {
    let mut cursor = Cursor::new(pair);
    let key = lower_string(ctx, cursor.expect(Rule::string));
    cursor.finish();
    key
}

// ---------------------------------------------------------------- tokens

fn lower_ident<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Ident {
    let name = pair.as_str();
    if grammar::is_reserved(name) {
        ctx.reserved.set(true);
    }
    Ident {
        name: name.to_owned(),
        span: ctx.span(&pair),
    }
}

/// Lowers the remaining children of a cursor, all names (`a, b, c` lists).
fn lower_idents<R: Kind>(ctx: &Ctx, cursor: &mut Cursor<'_, R>) -> Vec<Ident> {
    cursor
        .many(Rule::ident)
        .into_iter()
        .map(|pair| lower_ident(ctx, pair))
        .collect()
}

fn lower_bool_lit<R: Kind>(pair: Pair<'_, R>) -> bool {
    match pair.as_str() {
        "true" => true,
        "false" => false,
        other => unreachable!("bool_lit: `{other}` is neither `true` nor `false`"),
    }
}

/// Lowers an integer literal; `_` separates digit groups. Out of range is reported and
/// lowered as 0 so lowering can go on.
fn lower_int<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> i64 {
    let digits: String = pair.as_str().chars().filter(|ch| *ch != '_').collect();
    digits.parse().unwrap_or_else(|_| {
        ctx.report(messages::integer_too_large(
            pair.as_str(),
            &format!("`{}`", i64::MAX),
            ctx.span(&pair),
        ));
        0
    })
}

/// Lowers a decimal literal (`12.5`, or `-12.5` in a fact), `_` separating digit groups; one
/// with too many digits to be held exactly is reported and lowered as 0.
fn lower_decimal<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>, negative: bool) -> DecimalLit {
    let digits: String = pair.as_str().chars().filter(|ch| *ch != '_').collect();
    let parsed = crate::value::decimal::parse(&digits, '.', false)
        .ok()
        .map(crate::value::Number::parts);
    match parsed {
        Some((mantissa, scale)) => DecimalLit {
            // A negative decimal of a fact is written with its sign.
            mantissa: if negative { mantissa } else { mantissa.abs() },
            scale,
        },
        None => {
            ctx.report(messages::decimal_out_of_range(pair.as_str(), ctx.span(&pair)));
            DecimalLit {
                mantissa: 0,
                scale: 0,
            }
        }
    }
}

/// Lowers `-` and an integer literal, down to `i64::MIN`, reporting one beyond it.
fn lower_negative_int<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> i64 {
    let digits: String = pair.as_str()[1..].chars().filter(|ch| *ch != '_').collect();
    digits
        .parse::<i128>()
        .ok()
        .and_then(|value| i64::try_from(-value).ok())
        .unwrap_or_else(|| {
            ctx.report(messages::integer_too_small(pair.as_str(), ctx.span(&pair)));
            0
        })
}

/// Lowers a date literal, reporting one that is not on the calendar.
fn lower_date<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Date {
    Date::parse(pair.as_str()).unwrap_or_else(|| {
        ctx.report(messages::invalid_date(pair.as_str(), ctx.span(&pair)));
        Date(0)
    })
}

/// Lowers a string literal: resolves the escapes `\"`, `\\`, `\n`, `\t` and `\u{XXXX}`,
/// and folds line breaks.
///
/// A line break written inside the quotes, together with the spaces and tabs around it
/// (and any blank lines), reads as one space: long legal texts can wrap across lines
/// without changing their value. Write `\n` for a real line break.
fn lower_string<R: Kind>(ctx: &Ctx, pair: Pair<'_, R>) -> Text {
    let span = ctx.span(&pair);
    // The text between the quotes.
    let offset = pair.as_span().start() + 1;
    let quoted = pair.as_str();
    let raw = &quoted[1..quoted.len() - 1];
    // Most strings have no escape and no line break: their value is their text.
    if !raw.bytes().any(|byte| matches!(byte, b'\\' | b'\r' | b'\n')) {
        return Text {
            value: raw.to_owned(),
            span,
        };
    }
    let mut value = String::with_capacity(raw.len());
    // How many characters at the end of `value` are raw spaces or tabs (or a fold),
    // which a following line break swallows.
    let mut trailing_blanks = 0usize;
    let mut chars = raw.char_indices().peekable();
    while let Some((idx, ch)) = chars.next() {
        match ch {
            '\\' => {
                let (_, escape) = chars.next().expect("the grammar puts a character after `\\`");
                let resolved = match escape {
                    '"' => '"',
                    '\\' => '\\',
                    'n' => '\n',
                    't' => '\t',
                    'u' => {
                        let close = raw[idx..].find('}').expect("the grammar closes `\\u{`") + idx;
                        while chars.next_if(|(at, _)| *at <= close).is_some() {}
                        let hex = &raw[idx + 3..close];
                        u32::from_str_radix(hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or_else(|| {
                                let span = ctx.at(offset + idx, offset + close + 1);
                                ctx.report(messages::invalid_escape(&raw[idx..=close], span));
                                char::REPLACEMENT_CHARACTER
                            })
                    }
                    other => unreachable!("string_char: the grammar has no escape `\\{other}`"),
                };
                value.push(resolved);
                trailing_blanks = 0;
            }
            '\r' | '\n' => {
                value.truncate(value.len() - trailing_blanks);
                while chars
                    .next_if(|(_, next)| matches!(next, ' ' | '\t' | '\r' | '\n'))
                    .is_some()
                {}
                value.push(' ');
                trailing_blanks = 1;
            }
            ' ' | '\t' => {
                value.push(ch);
                trailing_blanks += 1;
            }
            _ => {
                value.push(ch);
                trailing_blanks = 0;
            }
        }
    }
    Text { value, span }
}
