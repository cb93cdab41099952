//! Every diagnostic the checker can emit, in one place so that their wording can be reviewed together.
//! Types arrive already written out (`Set<Country>`); names arrive as the user wrote them.

use crate::diagnostic::{Code, Diagnostic, Edit, Fix, did_you_mean};
use crate::source::Span;
use crate::value::Date;

/// Adds "a similar name exists" help when one of `candidates` is close to `name`, with the fix
/// that writes it in place of the name the primary label marks.
fn similar(diagnostic: Diagnostic, name: &str, candidates: &[&str]) -> Diagnostic {
    match did_you_mean(name, candidates.iter().copied()) {
        Some(best) => suggest(diagnostic, best),
        None => diagnostic,
    }
}

/// The help and fix for a name the diagnostic's primary label marks, misspelt for `best`.
fn suggest(diagnostic: Diagnostic, best: &str) -> Diagnostic {
    let diagnostic = diagnostic.help(format!("a similar name exists: `{best}`"));
    match diagnostic.span() {
        Some(span) => diagnostic.with_fix(Fix::replace(format!("replace with `{best}`"), span, best)),
        None => diagnostic,
    }
}

/// Like [`similar`], but lists a short candidate list when nothing is close.
fn similar_or_list(diagnostic: Diagnostic, name: &str, candidates: &[&str], what: &str) -> Diagnostic {
    if let Some(best) = did_you_mean(name, candidates.iter().copied()) {
        return suggest(diagnostic, best);
    }
    if candidates.is_empty() || candidates.len() > 12 {
        return diagnostic;
    }
    diagnostic.help(format!("{what}: {}", backticked(candidates)))
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The members of a cycle a message goes through, at most [`MAX_CYCLE_SHOWN`] of them.
fn backticked_cycle(names: &[&str]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(MAX_CYCLE_SHOWN)
        .map(|name| format!("`{name}`"))
        .collect();
    if names.len() > MAX_CYCLE_SHOWN {
        shown.push(format!("and {} more", names.len() - MAX_CYCLE_SHOWN));
    }
    shown.join(", ")
}

/// The most members of a cycle named in its message and labelled in the source: a cycle
/// through thousands of rules is one mistake, and drawing all of it would flood the screen.
const MAX_CYCLE_SHOWN: usize = 10;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

// ---------------------------------------------------------------- definitions

/// E0205: a top-level name defined twice.
pub fn duplicate_definition(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateDefinition, format!("`{name}` is defined twice"))
        .at(span, "defined again here")
        .also(first, "first defined here")
        .help("rename one of them")
}

/// E0205: a variant, field or parameter name repeated within one declaration.
pub fn duplicate_member(what: &str, name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDefinition,
        format!("{what} `{name}` is declared twice"),
    )
    .at(span, "declared again here")
    .also(first, "first declared here")
    .help("remove or rename one of them")
}

/// E0205: a top-level definition named like a builtin.
pub fn builtin_redefined(name: &str, what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateDefinition, format!("`{name}` is a builtin {what}"))
        .at(span, "defined again here")
        .help("choose another name")
}

/// E0205: a parameter, quantified variable or subject named like something already in scope.
pub fn shadowing(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateDefinition, format!("`{name}` is already defined"))
        .at(span, "defined again here")
        .also(first, "first defined here")
        .help("a name cannot be reused in its scope; rename this one")
}

// ---------------------------------------------------------------- names

/// E0201: a name that nothing defines.
pub fn unknown_name(name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic =
        Diagnostic::new(Code::UnknownName, format!("unknown name `{name}`")).at(span, "not defined");
    similar(diagnostic, name, candidates)
}

/// E0201: the subject used outside rules.
pub fn subject_outside_rules(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::UnknownName, format!("unknown name `{name}`"))
        .at(span, "not visible here")
        .help(format!("the subject `{name}` is only visible in rules"))
}

/// E0201: a type, function, rule or obligation used as a value.
pub fn not_a_value(name: &str, kind: &str, span: Span) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnknownName, format!("`{name}` is {kind}, not a value"))
        .at(span, "used as a value here");
    match kind {
        "a record type" => diagnostic.help(format!(
            "to refer to one `{name}`, write its key: `{name}[\"…\"]`"
        )),
        "a function" => diagnostic.help(format!("call it: `{name}(…)`")),
        "an enum" => diagnostic.help(format!("name one of its variants: `{name}.…`")),
        _ => diagnostic,
    }
}

/// E0201: a call to a function that nothing defines.
pub fn unknown_function(name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic =
        Diagnostic::new(Code::UnknownName, format!("unknown function `{name}`")).at(span, "not defined");
    similar(diagnostic, name, candidates)
}

/// E0201: a call to something that is not a function.
pub fn not_a_function(name: &str, kind: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::UnknownName, format!("`{name}` is {kind}, not a function")).at(span, "called here")
}

/// E0202: a type name that nothing defines.
pub fn unknown_type(name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic =
        Diagnostic::new(Code::UnknownType, format!("unknown type `{name}`")).at(span, "not defined");
    similar(diagnostic, name, candidates)
}

/// E0202: a name used as a type that is something else.
pub fn not_a_type(name: &str, kind: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::UnknownType, format!("`{name}` is {kind}, not a type"))
        .at(span, "used as a type here")
}

/// E0202: a subject or key reference naming a type that is not a record type.
pub fn not_a_record_type(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::UnknownType, format!("`{name}` is not a record type"))
        .at(span, "expected a record type")
        .help("only records have facts that can be decided or referred to by key")
}

/// E0203: a field a record does not have.
pub fn unknown_field(record: &str, field: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnknownField, format!("`{record}` has no field `{field}`"))
        .at(span, "no such field");
    similar_or_list(
        diagnostic,
        field,
        candidates,
        &format!("the fields of `{record}` are"),
    )
}

/// E0218: a variant an enum does not have.
pub fn unknown_variant(enumeration: &str, variant: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnknownVariant,
        format!("`{enumeration}` has no variant `{variant}`"),
    )
    .at(span, "no such variant");
    similar_or_list(
        diagnostic,
        variant,
        candidates,
        &format!("the variants of `{enumeration}` are"),
    )
}

/// E0223: a bare variant that several enums define.
pub fn ambiguous_variant(name: &str, span: Span, enums: &[&str]) -> Diagnostic {
    let qualified: Vec<String> = enums
        .iter()
        .map(|enumeration| format!("`{enumeration}.{name}`"))
        .collect();
    let diagnostic = Diagnostic::new(
        Code::AmbiguousName,
        format!("`{name}` is a variant of {}", both(enums)),
    )
    .at(span, "ambiguous")
    .help(format!("qualify it: {}", qualified.join(" or ")));
    enums.iter().fold(diagnostic, |diagnostic, enumeration| {
        let written = format!("{enumeration}.{name}");
        diagnostic.with_fix(Fix::replace(format!("write `{written}`"), span, written))
    })
}

fn both(enums: &[&str]) -> String {
    match enums {
        [a, b] => format!("both `{a}` and `{b}`"),
        _ => format!("each of {}", backticked(enums)),
    }
}

/// E0223: a bare variant that is also the name of something else.
pub fn ambiguous_name(name: &str, span: Span, enumeration: &str, other: &str) -> Diagnostic {
    Diagnostic::new(
        Code::AmbiguousName,
        format!("`{name}` could be the variant `{enumeration}.{name}` or {other} `{name}`"),
    )
    .at(span, "ambiguous")
    .help(format!(
        "write `{enumeration}.{name}` for the variant, or rename {other}"
    ))
    .with_fix(Fix::replace(
        format!("write `{enumeration}.{name}`"),
        span,
        format!("{enumeration}.{name}"),
    ))
}

/// E0206: a rule name that no rule has.
pub fn unknown_rule(name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnknownRule, format!("unknown rule `{name}`"))
        .at(span, "no rule has this name");
    similar(diagnostic, name, candidates)
}

/// E0214: an obligation name that is not declared.
pub fn unknown_obligation(name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnknownObligation, format!("unknown obligation `{name}`"))
        .at(span, "not declared");
    match did_you_mean(name, candidates.iter().copied()) {
        Some(best) => suggest(diagnostic, best),
        None => diagnostic.help(format!("declare it: `obligation {name} \"…\"`")),
    }
}

// ---------------------------------------------------------------- types

/// E0204: a value of one type where another is needed; `expected` is already written out.
pub fn mismatch(expected: &str, found: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("expected {expected}, found `{found}`"),
    )
    .at(span, format!("this is `{found}`"))
}

/// E0204: field access on a value that is not a record.
pub fn not_a_record(found: &str, field: &str, span: Span) -> Diagnostic {
    mismatch("a record", found, span).help(format!("only records have fields such as `{field}`"))
}

/// E0204: operands that cannot be compared; `help` explains a likely intent.
pub fn incomparable(op: &str, left: &str, right: &str, span: Span, help: Option<String>) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::TypeMismatch,
        format!("`{op}` cannot compare `{left}` with `{right}`"),
    )
    .at(span, "operands of different types");
    match help {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// E0204: the two operands of a set operator have different element types.
pub fn set_operands(op: &str, left: &str, right: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("`{op}` needs two sets of one type, found `{left}` and `{right}`"),
    )
    .at(span, "operands of different types")
}

/// E0204: the element of `in` does not fit the set.
pub fn element_not_in(element: &str, set: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("a value of type `{element}` can never be in a `{set}`"),
    )
    .at(span, format!("this is `{element}`"))
}

/// E0204: `if` branches of different types.
pub fn branch_mismatch(then_ty: &str, else_ty: &str, then_span: Span, else_span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("the branches of `if` have different types `{then_ty}` and `{else_ty}`"),
    )
    .at(else_span, format!("this is `{else_ty}`"))
    .also(then_span, format!("this is `{then_ty}`"))
}

/// E0204: set literal elements of different types.
pub fn element_mismatch(first: &str, other: &str, first_span: Span, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("set elements have different types `{first}` and `{other}`"),
    )
    .at(span, format!("this is `{other}`"))
    .also(first_span, format!("this is `{first}`"))
}

/// E0204: a call argument of the wrong type; `narrow` is the path to check first when it may be none.
pub fn argument_mismatch(
    function: &str,
    param: &str,
    expected: &str,
    found: &str,
    span: Span,
    narrow: Option<&str>,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::TypeMismatch,
        format!("argument `{param}` of `{function}` must be {expected}, found `{found}`"),
    )
    .at(span, format!("this is `{found}`"));
    match narrow {
        Some(path) => diagnostic.help(format!("check `{path} is some and …` first")),
        None => diagnostic,
    }
}

/// E0204: a function body or constant value that does not have its declared type.
pub fn declared_mismatch(
    what: &str,
    name: &str,
    declared: &str,
    found: &str,
    span: Span,
    decl: Span,
) -> Diagnostic {
    let message = match what {
        "function" => {
            format!("`{name}` is declared to return `{declared}`, but its body is `{found}`")
        }
        _ => format!("`{name}` is declared as `{declared}`, but its value is `{found}`"),
    };
    Diagnostic::new(Code::TypeMismatch, message)
        .at(span, format!("this is `{found}`"))
        .also(decl, "declared here")
}

/// E0204: `is some` or `is none` on a value that is never none.
pub fn never_none(op: &str, path: Option<&str>, found: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("`{op}` needs an optional value, found `{found}`"),
    )
    .at(span, format!("this is `{found}`"))
    .help(format!("`{}` is never none", path.unwrap_or("this value")))
}

/// E0209: an optional value used where it may not be none.
pub fn optional_access(path: Option<&str>, found: &str, span: Span) -> Diagnostic {
    let diagnostic = match path {
        Some(path) => Diagnostic::new(Code::OptionalAccess, format!("`{path}` may be none")),
        None => Diagnostic::new(Code::OptionalAccess, "this value may be none"),
    };
    let diagnostic = diagnostic.at(span, format!("this is `{found}`"));
    match path {
        Some(path) => diagnostic.help(format!("check `{path} is some and …` first")),
        None => diagnostic.help("only names and field paths can be checked with `is some`; pass the value to a function and check its parameter"),
    }
}

/// E0208: a call with the wrong number of arguments.
pub fn wrong_arity(function: &str, expected: usize, given: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::WrongArity,
        format!(
            "`{function}` takes {} but {} given",
            plural(expected, "argument"),
            was_were(given)
        ),
    )
    .at(span, format!("{} given", plural(given, "argument")))
}

fn was_were(n: usize) -> String {
    if n == 1 {
        "1 was".into()
    } else {
        format!("{n} were")
    }
}

/// E0210: functions that call themselves; `cycle` is each function with the span of its call to the next.
pub fn recursive_function(cycle: &[(&str, Span)]) -> Diagnostic {
    let first = cycle[0].0;
    let message = if cycle.len() == 1 {
        format!("function `{first}` calls itself")
    } else {
        let through: Vec<&str> = cycle[1..].iter().map(|(name, _)| *name).collect();
        format!(
            "function `{first}` calls itself through {}",
            backticked_cycle(&through)
        )
    };
    cycle_labels(Diagnostic::new(Code::RecursiveFunction, message), cycle, "calls")
        .help("functions cannot be recursive; go through a set with `any` or `all` instead")
}

/// E0210: constants (and functions) that depend on themselves, starting at a constant.
pub fn recursive_constant(cycle: &[(&str, Span)]) -> Diagnostic {
    let first = cycle[0].0;
    let message = if cycle.len() == 1 {
        format!("constant `{first}` depends on itself")
    } else {
        let through: Vec<&str> = cycle[1..].iter().map(|(name, _)| *name).collect();
        format!(
            "constant `{first}` depends on itself through {}",
            backticked_cycle(&through)
        )
    };
    cycle_labels(Diagnostic::new(Code::RecursiveFunction, message), cycle, "uses")
        .help("a constant cannot depend on its own value")
}

fn cycle_labels(mut diagnostic: Diagnostic, cycle: &[(&str, Span)], verb: &str) -> Diagnostic {
    for (idx, (_, span)) in cycle.iter().enumerate().take(MAX_CYCLE_SHOWN) {
        let next = cycle[(idx + 1) % cycle.len()].0;
        diagnostic = if idx == 0 {
            diagnostic.at(*span, format!("{verb} `{next}`"))
        } else {
            diagnostic.also(*span, format!("{verb} `{next}`"))
        };
    }
    diagnostic
}

// ---------------------------------------------------------------- declarations

/// E0211: a second `decide`.
pub fn duplicate_subject(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::SubjectDeclaration, "the policy says twice what it decides")
        .at(span, "second `decide`")
        .also(first, "first `decide`")
        .help("a policy decides one record type; remove one `decide`")
}

/// E0211: a policy with rules and no `decide`.
pub fn missing_subject(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        "the policy has rules but does not say what it decides",
    )
    .at(span, "no `decide` in this policy")
    .help("add `decide t: Record`, naming the record type the rules decide")
}

/// E0211: a test in a program without `decide`.
pub fn test_without_subject(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        "a test needs a policy that says what it decides",
    )
    .at(span, "test without `decide`")
    .help("add `decide t: Record`, naming the record type the rules decide")
}

/// E0219: a policy with `decide` and no `default`.
pub fn missing_default(span: Span) -> Diagnostic {
    Diagnostic::new(Code::DefaultDeclaration, "the policy has no `default` decision")
        .at(span, "decides without a default")
        .help("add `default deny because \"…\"` (or `default permit`)")
}

/// E0219: a second `default`.
pub fn duplicate_default(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DefaultDeclaration, "the default decision is given twice")
        .at(span, "second `default`")
        .also(first, "first `default`")
        .help("keep one `default`")
}

/// E0215: a key that is not a field of its record.
pub fn key_not_a_field(record: &str, key: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::InvalidKey,
        format!("the key `{key}` is not a field of `{record}`"),
    )
    .at(span, "no such field");
    similar_or_list(
        diagnostic,
        key,
        candidates,
        &format!("the fields of `{record}` are"),
    )
}

/// E0215: a key field that is not `Text`.
pub fn key_not_text(record: &str, key: &str, found: &str, span: Span, field: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidKey,
        format!("the key of `{record}` must be `Text`, but `{key}` is `{found}`"),
    )
    .at(span, "key declared here")
    .also(field, format!("this is `{found}`"))
    .help("a key is a text that names each fact, such as `\"JP\"`, and is never none")
}

/// E0224: a reference by key to a record type without a key.
pub fn keyless_record(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::KeylessRecord, format!("record `{record}` has no key"))
        .at(span, format!("refers to a `{record}` by key"))
        .help(format!(
            "give `{record}` a key: `record {record} key <field> {{ … }}`"
        ))
}

/// E0224: a record type without a key as the element of a set or list.
pub fn keyless_element(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::KeylessRecord,
        format!("record `{record}` has no key, so a set or list cannot hold it"),
    )
    .at(span, "a set or list element refers to a record by key")
    .help(format!(
        "give `{record}` a key (`record {record} key <field> {{ … }}`); a record without a key can only be a field's type on its own, nested in its parent"
    ))
}

/// E0226: a nested record type named as the record a policy decides.
pub fn nested_subject(record: &str, span: Span, holders: &[String]) -> Diagnostic {
    let holders: Vec<String> = holders.iter().map(|holder| format!("`{holder}`")).collect();
    Diagnostic::new(
        Code::NestedRecordUse,
        format!("`{record}` is a nested record type and cannot be decided"),
    )
    .at(span, "nested in another record")
    .help(format!(
        "its facts are written inside {}; decide the record that holds it, or give `{record}` a key and refer to it instead",
        holders.join(", ")
    ))
}

/// E0226: a nested record compared or collected, which needs an identity it does not have.
pub fn nested_identity(record: &str, what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestedRecordUse,
        format!("a nested `{record}` cannot be {what}"),
    )
    .at(span, format!("a nested `{record}`"))
    .help(format!(
        "a nested record has no key to tell it apart; compare its fields, or give `{record}` a key and refer to it"
    ))
}

/// E0226: a test fact of a nested record type written on its own.
pub fn nested_fact_alone(record: &str, span: Span, holders: &[String]) -> Diagnostic {
    let holders: Vec<String> = holders.iter().map(|holder| format!("`{holder}`")).collect();
    Diagnostic::new(
        Code::NestedRecordUse,
        format!("`{record}` is a nested record type and has no facts of its own"),
    )
    .at(span, "written as a fact of its own")
    .help(format!(
        "write it inside the fact that holds it, as the value of {}",
        holders.join(", ")
    ))
}

/// E0226: a record with a key written inline in a test fact, where its key is expected.
pub fn keyed_record_inline(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestedRecordUse,
        format!("record `{record}` has a key, so it is referred to by key, not written inline"),
    )
    .at(span, format!("a `{record}` written inline"))
    .help(format!(
        "write the `{record}` as a fact of its own and give its key here as a string"
    ))
}

/// E0227: record types that nest each other in a cycle.
pub fn nested_record_cycle(cycle: &[(&str, Span)]) -> Diagnostic {
    let first = cycle[0].0;
    let message = if cycle.len() == 1 {
        format!("record `{first}` holds itself")
    } else {
        let mut names: Vec<String> = cycle.iter().map(|(name, _)| format!("`{name}`")).collect();
        names.push(format!("`{first}`"));
        format!("records hold each other in a cycle: {}", names.join(" → "))
    };
    let mut diagnostic = Diagnostic::new(Code::NestedRecordCycle, message);
    for (idx, (name, span)) in cycle.iter().enumerate() {
        let next = cycle[(idx + 1) % cycle.len()].0;
        let label = format!("`{name}` holds a `{next}`");
        diagnostic = if idx == 0 {
            diagnostic.at(*span, label)
        } else {
            diagnostic.also(*span, label)
        };
    }
    diagnostic.help(format!(
        "facts must be finite: give `{first}` a key and refer to it by key, or break the cycle"
    ))
}

// ---------------------------------------------------------------- rules

/// E0212: a clause that may appear once, given twice.
pub fn duplicate_clause(rule: &str, clause: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuleClause,
        format!("rule `{rule}` has two `{clause}` clauses"),
    )
    .at(span, format!("second `{clause}`"))
    .also(first, format!("first `{clause}`"))
    .help(format!("a rule has at most one `{clause}`; keep one"))
}

/// E0213: `oblige` in a deny rule.
pub fn obligation_on_deny(rule: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ObligationOnDeny,
        format!("deny rule `{rule}` cannot attach obligations"),
    )
    .at(span, "`oblige` in a deny rule")
    .help("obligations come with permits: make the rule `permit`, or remove `oblige`")
}

/// E0225: `until` not after `effective`.
pub fn invalid_period(
    rule: &str,
    effective: Date,
    until: Date,
    span: Span,
    effective_span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPeriod,
        format!("rule `{rule}` ends before it starts"),
    )
    .at(span, format!("ends on {until}"))
    .also(effective_span, format!("starts on {effective}"))
    .help("a rule is in force from `effective` up to the day before `until`; `until` must be later")
}

/// E0207: rules that are exceptions to each other; `cycle` is each rule with the span where it names the next.
pub fn exception_cycle(cycle: &[(&str, Span)]) -> Diagnostic {
    let first = cycle[0].0;
    let diagnostic = if cycle.len() == 1 {
        Diagnostic::new(
            Code::ExceptionCycle,
            format!("rule `{first}` is an exception to itself"),
        )
    } else {
        let mut names: Vec<String> = cycle
            .iter()
            .take(MAX_CYCLE_SHOWN)
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        if cycle.len() > MAX_CYCLE_SHOWN {
            names.push(format!("… ({} rules in all)", cycle.len()));
        }
        names.push(format!("`{first}`"));
        Diagnostic::new(
            Code::ExceptionCycle,
            format!("rules are exceptions to each other: {}", names.join(" → ")),
        )
    };
    let mut diagnostic = diagnostic;
    for (idx, (name, span)) in cycle.iter().enumerate().take(MAX_CYCLE_SHOWN) {
        let next = cycle[(idx + 1) % cycle.len()].0;
        let label = format!("`{name}` is an exception to `{next}`");
        diagnostic = if idx == 0 {
            diagnostic.at(*span, label)
        } else {
            diagnostic.also(*span, label)
        };
    }
    diagnostic.help("an exception cannot defeat a rule that defeats it; remove one `exception to`")
}

/// W0002: a rule that can never apply because of one condition part.
pub fn never_applies(rule: &str, span: Span, always: bool) -> Diagnostic {
    let label = if always {
        "this is always true"
    } else {
        "this is always false"
    };
    Diagnostic::new(Code::NeverApplies, format!("rule `{rule}` never applies"))
        .at(span, label)
        .help("fix the condition, or remove the rule")
}

/// W0001: a definition nothing uses.
pub fn unused(kind: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::Unused, format!("{kind} `{name}` is never used"))
        .at(span, "defined here")
        .help("remove it, or use it in a rule")
}

// ---------------------------------------------------------------- tests

/// E0220: a test fact of a record type that does not exist.
pub fn unknown_fact_record(name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::TestFact,
        format!("unknown record type `{name}` in a test fact"),
    )
    .at(span, "not declared");
    similar(diagnostic, name, candidates)
}

/// E0220: a test fact field the record does not have.
pub fn unknown_fact_field(record: &str, field: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::TestFact, format!("`{record}` has no field `{field}`"))
        .at(span, "no such field");
    similar_or_list(
        diagnostic,
        field,
        candidates,
        &format!("the fields of `{record}` are"),
    )
}

/// E0220: a test fact field given twice.
pub fn duplicate_fact_field(field: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::TestFact, format!("field `{field}` is given twice"))
        .at(span, "given again here")
        .also(first, "first given here")
}

/// E0220: a test fact value that does not fit its field's type.
pub fn fact_value(record: &str, field: &str, expected: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TestFact,
        format!("wrong value for field `{field}` of `{record}`"),
    )
    .at(span, format!("expected `{expected}`"))
}

/// E0220: a test fact variant its enum does not have.
pub fn fact_variant(enumeration: &str, variant: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::TestFact,
        format!("`{enumeration}` has no variant `{variant}`"),
    )
    .at(span, format!("expected `{enumeration}`"));
    similar_or_list(
        diagnostic,
        variant,
        candidates,
        &format!("the variants of `{enumeration}` are"),
    )
}

/// E0221: an expectation naming a rule, obligation, record type or field that does not exist.
pub fn expect_unknown(what: &str, name: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::TestExpect, format!("unknown {what} `{name}` in `expect`"))
        .at(span, "not declared");
    similar(diagnostic, name, candidates)
}

/// E0221: an expectation about a field the record does not have.
pub fn expect_unknown_field(record: &str, field: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::TestExpect, format!("`{record}` has no field `{field}`"))
        .at(span, "no such field");
    similar_or_list(
        diagnostic,
        field,
        candidates,
        &format!("the fields of `{record}` are"),
    )
}

/// E0221: a missing-fact path that goes on past a field that holds no nested record.
pub fn expect_not_nested(record: &str, field: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TestExpect,
        format!("`{record}.{field}` is not a nested record, so the path cannot go on"),
    )
    .at(span, "a field of a nested record is named here")
    .help(format!("end the path at `{field}`"))
}

/// E0221: an expectation about a fact, by key, that the test does not have.
pub fn expect_no_key(record: &str, key: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TestExpect,
        format!("the test has no `{record}` with key `{key}`"),
    )
    .at(span, "not among the test's facts")
    .help(format!("add a `{record}` fact with this key to the test"))
}

/// E0221: an expectation about a fact, by position, that the test does not have.
pub fn expect_no_position(record: &str, position: u32, count: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TestExpect,
        format!("the test has no `{record}` #{position}"),
    )
    .at(span, "position out of range")
    .help(format!(
        "the test has {}; positions start at #1",
        plural(count, &format!("`{record}` fact"))
    ))
}

/// W0003 (E0415 when `deny`): a key reference no fact defines. `spans` are its uses in the
/// policy, first one first; `similar` a key the facts define that looks like it;
/// `any_known` whether the facts define any key of the record type.
pub fn unknown_key(
    record: &str,
    key: &str,
    spans: &[Span],
    similar: Option<&str>,
    any_known: bool,
    deny: bool,
) -> Diagnostic {
    let code = if deny {
        Code::DeniedUnknownKey
    } else {
        Code::UnknownKey
    };
    let (first, later) = spans.split_first().expect("a key reference is written somewhere");
    let mut diagnostic = Diagnostic::new(code, format!("no `{record}` fact has the key `{key}`"))
        .at(*first, "no fact defines this key");
    for span in later {
        diagnostic = diagnostic.also(*span, "used here too");
    }
    let consequence = format!(
        "every field of `{record}[{key:?}]` reads as unknown, and it equals no `{record}` the facts define"
    );
    let fix = match similar {
        Some(similar) => format!("a similar key exists: `{similar}`"),
        None if !any_known => format!("the facts define no `{record}`: add one with the key `{key}`"),
        None => format!("add a `{record}` fact with the key `{key}`, or correct the key"),
    };
    let diagnostic = diagnostic.help(format!("{fix}; {consequence}"));
    match similar {
        // The spans are the key's string literals, quotes included.
        Some(similar) => {
            let quoted = crate::syntax::print::quote(similar);
            diagnostic.with_fix(Fix {
                title: format!("replace with {quoted}"),
                edits: spans
                    .iter()
                    .map(|span| Edit {
                        span: *span,
                        text: quoted.clone(),
                    })
                    .collect(),
            })
        }
        None => diagnostic,
    }
}

/// E0228: a key reference typed at a prompt that no loaded fact has.
pub fn probe_unknown_key(record: &str, key: &str, span: Span, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::ProbeUnknownKey,
        format!("no `{record}` fact has the key `{key}`"),
    )
    .at(span, "no loaded fact has this key");
    if let Some(best) = did_you_mean(key, known.iter().copied()) {
        return diagnostic.help(format!("a similar key exists: `{best}`"));
    }
    match known.len() {
        0 => diagnostic.help(format!("the loaded facts define no `{record}`")),
        1..=12 => diagnostic.help(format!("the keys of `{record}` are {}", backticked(known))),
        n => diagnostic.help(format!(
            "`{record}` has {n} keys in the loaded facts; none is close to `{key}`"
        )),
    }
}

/// E0229: a program with errors was asked to decide.
pub fn partial_program() -> Diagnostic {
    Diagnostic::new(
        Code::PartialProgram,
        "the policy has errors, so nothing can be decided with it",
    )
    .help("fix the errors `pol check` reports, then decide again")
}

/// E0232: a key reference, or a reference in a test fact or a row of `data`, that names no row of
/// a table; the help lists the rows whose other text fields hold the name exactly (`holders`, as
/// field and key: a code several former countries had, say), or else suggests a close name among
/// `names` (each name with the key of its row).
pub(super) fn unknown_table_key(
    record: &str,
    key: &str,
    span: Span,
    names: &[(&str, &str)],
    holders: &[(&str, &str)],
) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::UnknownTableKey, format!("no `{record}` is named `{key}`"))
        .at(span, format!("names no row of the table `{record}`"));
    if !holders.is_empty() {
        // Each row by its key, with its shortest name longer than the key, to say what it is.
        let rows: Vec<String> = holders
            .iter()
            .map(|(_, row)| {
                let described = names
                    .iter()
                    .filter(|(name, of)| of == row && name.len() > row.len())
                    .min_by_key(|(name, _)| (name.len(), *name));
                match described {
                    Some((name, _)) => format!("`{row}` ({name})"),
                    None => format!("`{row}`"),
                }
            })
            .collect();
        let mut fields: Vec<&str> = holders.iter().map(|(field, _)| *field).collect();
        fields.dedup();
        let what = match fields.as_slice() {
            [field] => format!("the `{field}`"),
            _ => "a field".to_owned(),
        };
        return diagnostic.help(match rows.as_slice() {
            [row] => format!("`{key}` is {what} of {row}, but not one of its names: write its key"),
            _ => format!(
                "`{key}` is {what} of more than one row, so it names none of them: write the key of the one you mean, {}",
                rows.join(" or ")
            ),
        });
    }
    let best = did_you_mean(key, names.iter().map(|(name, _)| *name));
    match best {
        Some(best) => match names.iter().find(|(name, _)| *name == best) {
            Some((_, canonical)) if *canonical != best => {
                diagnostic.help(format!("a similar name exists: `{best}` (key `{canonical}`)"))
            }
            _ => diagnostic.help(format!("a similar name exists: `{best}`")),
        },
        None => diagnostic.help(format!(
            "the rows of `{record}` are declared in `data`; name one by its key or an alias"
        )),
    }
}

/// E0233: an `alias` that names no field of the record.
pub(super) fn alias_not_a_field(record: &str, alias: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::InvalidTable,
        format!("`{record}` has no field `{alias}` to take aliases from"),
    )
    .at(span, "no such field");
    similar_or_list(
        diagnostic,
        alias,
        candidates,
        &format!("the fields of `{record}` are"),
    )
}

/// E0233: an `alias` field that holds neither a text nor a set of texts.
pub(super) fn alias_not_text(record: &str, alias: &str, found: &str, span: Span, field: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("the aliases of `{record}` must be `Text` or `Set<Text>`, but `{alias}` is `{found}`"),
    )
    .at(span, "alias declared here")
    .also(field, format!("this is `{found}`"))
    .help("aliases are other names of a row, such as `{\"Turkey\", \"Türkiye\"}`")
}

/// E0233: a row of `data` for a record type without a key.
pub(super) fn keyless_table(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("record `{record}` has no key, so `data` cannot give rows of it"),
    )
    .at(span, "a row of a record without a key")
    .help(format!(
        "give `{record}` a key: `record {record} key <field> {{ … }}`"
    ))
}

/// E0233: a row of `data` without its key.
pub(super) fn data_row_without_key(record: &str, key: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("a row of the table `{record}` must give its key `{key}` as a text"),
    )
    .at(span, "no key")
    .help(format!("write the key: `{record} {{ {key}: \"…\", … }}`"))
}

/// E0233: two rows of a table with the same name (key or alias).
pub(super) fn table_name_twice(record: &str, name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("`{name}` names two rows of the table `{record}`"),
    )
    .at(span, "named again here")
    .also(first, "first named here")
    .help("each key and alias must name one row; remove one of them")
}

/// E0233: a field of a row of `data` written `unknown`.
pub(super) fn data_row_unknown(record: &str, field: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("field `{field}` of a row of the table `{record}` cannot be `unknown`"),
    )
    .at(span, "unknown")
    .help(format!(
        "a table holds known values; declare `{field}` optional and write `none` if there is no value"
    ))
}

/// E0233: a row of `data` that leaves out fields that are not optional.
pub(super) fn data_row_missing(record: &str, missing: &[String], span: Span) -> Diagnostic {
    let names: Vec<&str> = missing.iter().map(String::as_str).collect();
    let what = if names.len() == 1 { "field" } else { "fields" };
    Diagnostic::new(
        Code::InvalidTable,
        format!(
            "a row of the table `{record}` lacks the {what} {}",
            backticked(&names)
        ),
    )
    .at(span, "this row")
    .help("a table holds known values: give every field that is not optional")
}

/// E0233: a row of `data` that refers to a record type whose rows come from facts.
pub(super) fn data_refers_to_facts(record: &str, target: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("a row of the table `{record}` refers to `{target}`, which is not a table"),
    )
    .at(span, format!("refers to a `{target}` of the facts"))
    .help(format!(
        "a table is known before any facts are read; give the `{target}` rows in `data` too"
    ))
}

/// E0233: a test fact of a record type whose rows are declared in `data`.
pub(super) fn table_row_outside_data(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("the rows of `{record}` are declared in `data`; a test cannot add to them"),
    )
    .at(span, "a row of a table")
    .help(format!(
        "refer to the rows of `{record}` by key or alias, or declare the row in `data`"
    ))
}

/// E0215: a key field whose type is a record that is not a table (or a table keyed by another).
pub(super) fn key_not_a_table(record: &str, key: &str, target: &str, span: Span, field: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidKey,
        format!("the key of `{record}` must be `Text` or a table, but `{key}` is `{target}`"),
    )
    .at(span, "key declared here")
    .also(field, format!("`{target}` is not a table"))
    .help(format!(
        "a key is a text, or a row of a table declared in `data` (such as `Country` of `std.countries`); make `{key}` a `Text`"
    ))
}

/// E0233: an `alias` on a record type whose rows come from facts.
pub(super) fn alias_without_table(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTable,
        format!("`{record}` has aliases but no rows in `data`"),
    )
    .at(span, "aliases are declared here")
    .help(format!(
        "aliases name the rows of a table: declare the rows of `{record}` in `data`, or remove `alias`"
    ))
}

/// E0461: a field of a compound key that the record does not have.
pub fn compound_key_not_a_field(record: &str, key: &str, span: Span, candidates: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::BadCompoundKey,
        format!("the compound key of `{record}` names `{key}`, which is not one of its fields"),
    )
    .at(span, "no such field");
    similar_or_list(
        diagnostic,
        key,
        candidates,
        &format!("the fields of `{record}` are"),
    )
}

/// E0461: a field named twice in one compound key.
pub fn compound_key_repeated(key: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadCompoundKey,
        format!("`{key}` is named twice in one compound key"),
    )
    .at(span, "named again here")
    .also(first, "first named here")
    .help("each field of a compound key is named once")
}

/// E0461: a field of a compound key whose type cannot be part of a key.
pub fn compound_key_type(key: &str, found: &str, span: Span, field: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadCompoundKey,
        format!("`{key}` is `{found}`, which cannot be part of a key"),
    )
    .at(span, "part of the key here")
    .also(field, format!("this is `{found}`"))
    .help(
        "a field of a compound key is never none and holds one value: `Text`, `Int`, `Date`, `Bool`, an enum, or a record with a key",
    )
}

/// E0464: a field whose type is a record type with a compound key.
pub fn compound_key_field_type(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::CompoundKeyReference,
        format!("`{record}` has a compound key, so a field cannot refer to it"),
    )
    .at(span, format!("refers to a `{record}` here"))
    .help(format!(
        "store the fields of its key instead, and find the fact with a lookup: `{record}[a, b]`"
    ))
}

/// E0464: a key reference `Record["key"]` to a record type with a compound key.
pub fn compound_key_ref(record: &str, n_fields: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::CompoundKeyReference,
        format!("`{record}` has a compound key of {n_fields} fields, so one text cannot name a fact of it"),
    )
    .at(span, "one text given")
    .help(format!(
        "give a value for each field of the key: `{record}[a, b]`"
    ))
}

/// E0462: a lookup by key into a record type without a key.
pub fn lookup_keyless(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::BadLookup, format!("record `{record}` has no key to look it up by"))
        .at(span, format!("looks up a `{record}` by key"))
        .help(format!(
            "give `{record}` a key (`key <field>` or `key (<field>, <field>)`), or range over its facts: `any x in {record}: …`"
        ))
}

/// E0462: a lookup with a number of key values other than the key has fields.
pub fn lookup_arity(record: &str, fields: &[&str], given: usize, span: Span) -> Diagnostic {
    let expected = fields.len();
    let list = fields
        .iter()
        .map(|field| format!("`{field}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let fields_word = if expected == 1 { "field" } else { "fields" };
    let given_text = match given {
        1 => "1 value is given".to_owned(),
        n => format!("{n} values are given"),
    };
    Diagnostic::new(
        Code::BadLookup,
        format!("the key of `{record}` has {expected} {fields_word}, but {given_text}"),
    )
    .at(
        span,
        given_text
            .replace(" is given", " given")
            .replace(" are given", " given"),
    )
    .help(format!("give one value per field of the key, in order: {list}"))
}

/// E0463: the facts of a nested record type, which have no identity of their own.
pub fn facts_of_nested(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::FactsOfNotAllowed,
        format!("`{record}` is a nested record type, so its facts cannot be ranged over or looked up"),
    )
    .at(span, "a nested record type")
    .help("range over the records that hold it, and read the field that holds it")
}

/// E0463: the facts of the type being decided, which a stream reads a chunk at a time.
pub fn facts_of_subject(record: &str, span: Span, decide: Span) -> Diagnostic {
    Diagnostic::new(
        Code::FactsOfNotAllowed,
        format!("`{record}` is the type being decided, so its facts cannot be ranged over or looked up"),
    )
    .at(span, "the facts of the subjects' type")
    .also(decide, "decided here")
    .help(
        "a decision reads only its own subject, so that subjects can be read in chunks: keep what other subjects say in facts of another record type",
    )
}

/// W0007: the facts of a record type ranged over or looked up, and none given.
pub fn no_facts_of_type(record: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NoFactsOfType,
        format!("no `{record}` fact is given, so the policy reads an empty world of them"),
    )
    .at(span, format!("reads every `{record}` fact given"))
    .help(format!(
        "every `any` over `{record}` is false, every `all` true, and every lookup unknown: give the `{record}` facts, or check that the file holds them"
    ))
}
