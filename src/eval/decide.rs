//! The decision procedure of docs/semantics.md, in one place for both evaluators: combining
//! the rules' activity (Kleene's logic over rules and their exceptions) into a verdict, its
//! deciding rules, obligations, missing facts and pending rules, and each rule's status in a
//! derivation.

use crate::check::ir::{Effect, Program, RuleId};
use crate::value::Date;

use super::decision::Decision;
use super::truth::{Missing, Pending, Truth, Verdict};

/// Which effects some active rule has, as true and as unknown.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct Flags {
    pub(crate) deny_true: bool,
    pub(crate) deny_unknown: bool,
    pub(crate) permit_true: bool,
    pub(crate) permit_unknown: bool,
}

/// The truth of a Kleene value.
pub(crate) fn truth_of(value: &Result<bool, Missing>) -> Truth {
    match value {
        Ok(true) => Truth::True,
        Ok(false) => Truth::False,
        Err(_) => Truth::Unknown,
    }
}

/// `and` in Kleene's logic, missing facts joined.
pub(crate) fn kleene_and(a: Result<bool, Missing>, b: Result<bool, Missing>) -> Result<bool, Missing> {
    match (a, b) {
        (Ok(false), _) | (_, Ok(false)) => Ok(false),
        (Ok(true), other) | (other, Ok(true)) => other,
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
    }
}

/// `or` in Kleene's logic, missing facts joined.
pub(crate) fn kleene_or(a: Result<bool, Missing>, b: Result<bool, Missing>) -> Result<bool, Missing> {
    match (a, b) {
        (Ok(true), _) | (_, Ok(true)) => Ok(true),
        (Ok(false), other) | (other, Ok(false)) => other,
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
    }
}

/// `not` in Kleene's logic.
pub(crate) fn kleene_not(a: Result<bool, Missing>) -> Result<bool, Missing> {
    a.map(|value| !value)
}

/// Missing facts sorted, each once.
pub(crate) fn sorted(mut missing: Missing) -> Missing {
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// Combines the rules' activity into a decision, following `docs/semantics.md`.
pub(crate) fn combine(
    program: &Program,
    subject: u32,
    law_date: Option<Date>,
    flags: Flags,
    active: &[Option<Result<bool, Missing>>],
) -> Decision {
    let default = program
        .default
        .as_ref()
        .map_or(Effect::Deny, |default| default.effect);
    let Flags {
        deny_true,
        deny_unknown,
        permit_true,
        permit_unknown,
    } = flags;
    let rules_with = |effect: Effect| -> Vec<RuleId> {
        program
            .rules
            .iter()
            .zip(active)
            .enumerate()
            .filter(|(_, (rule, value))| rule.effect == effect && matches!(value, Some(Ok(true))))
            .map(|(idx, _)| RuleId(idx as u32))
            .collect()
    };
    let missing_of = |effect: Effect| -> Missing {
        program
            .rules
            .iter()
            .zip(active)
            .filter(|(rule, _)| rule.effect == effect)
            .filter_map(|(_, value)| value.as_ref().and_then(|value| value.as_ref().err()))
            .flatten()
            .copied()
            .collect()
    };
    // The rules of an undecided decision that wait: those of `effect` whose activity is
    // unknown, each with the facts behind it; or, with `waiting_on`, only the active ones,
    // each waiting on those facts (an unknown permit rule cannot change the outcome then).
    let active_of = |rule: RuleId| active[rule.idx()].as_ref();
    let pending_of = |effect: Effect, pending: &mut Vec<Pending>, waiting_on: Option<&Missing>| {
        for (idx, (rule, value)) in program.rules.iter().zip(active).enumerate() {
            if rule.effect != effect {
                continue;
            }
            let (active, missing) = match (value, waiting_on) {
                (Some(Err(missing)), None) => (Truth::Unknown, sorted(missing.clone())),
                (Some(Ok(true)), Some(waiting_on)) => (Truth::True, waiting_on.clone()),
                _ => continue,
            };
            let mut unknown_exceptions: Vec<RuleId> = rule
                .defeated_by
                .iter()
                .copied()
                .filter(|exception| matches!(active_of(*exception), Some(Err(_))))
                .collect();
            unknown_exceptions.sort();
            pending.push(Pending {
                rule: RuleId(idx as u32),
                active,
                missing,
                unknown_exceptions,
            });
        }
    };
    let mut pending = Vec::new();
    let (verdict, deciding, missing) = if deny_true {
        (Verdict::Deny, rules_with(Effect::Deny), Vec::new())
    } else if deny_unknown {
        if default == Effect::Deny && !permit_true && !permit_unknown {
            // Every completion of the unknowns ends in deny: by a deny rule or by default.
            (Verdict::Deny, Vec::new(), Vec::new())
        } else if permit_true {
            // Only the unknown deny rules can change the outcome; the active permit rules
            // wait on them.
            let missing = sorted(missing_of(Effect::Deny));
            pending_of(Effect::Deny, &mut pending, None);
            pending_of(Effect::Permit, &mut pending, Some(&missing));
            (Verdict::Undecided, Vec::new(), missing)
        } else {
            let mut missing = missing_of(Effect::Deny);
            missing.extend(missing_of(Effect::Permit));
            pending_of(Effect::Deny, &mut pending, None);
            pending_of(Effect::Permit, &mut pending, None);
            (Verdict::Undecided, Vec::new(), missing)
        }
    } else if permit_true {
        (Verdict::Permit, rules_with(Effect::Permit), Vec::new())
    } else if permit_unknown {
        if default == Effect::Permit {
            (Verdict::Permit, Vec::new(), Vec::new())
        } else {
            pending_of(Effect::Permit, &mut pending, None);
            (Verdict::Undecided, Vec::new(), missing_of(Effect::Permit))
        }
    } else {
        (default.into(), Vec::new(), Vec::new())
    };
    // Source order, deny rules and permit rules mixed, as a reader finds them in the policy.
    pending.sort_by_key(|pending| pending.rule);
    let mut decision = Decision {
        subject,
        verdict,
        deciding,
        obligations: Vec::new(),
        missing: sorted(missing),
        pending,
        law_date,
        trace: None,
    };
    add_obligations(program, &mut decision);
    decision
}

/// A decision of the fast path, which meets no unknown: deny when some active rule denies,
/// else permit when some permits, else the default.
pub(crate) fn fast_verdict(default_deny: bool, deny: bool, permit: bool) -> Verdict {
    if deny || (!permit && default_deny) {
        Verdict::Deny
    } else {
        Verdict::Permit
    }
}

/// Attaches to a permit the obligations of its deciding rules, each once, in rule order.
pub(crate) fn add_obligations(program: &Program, decision: &mut Decision) {
    if decision.verdict != Verdict::Permit {
        return;
    }
    for rule in &decision.deciding {
        for obligation in &program.rules[rule.idx()].obligations {
            if !decision.obligations.contains(obligation) {
                decision.obligations.push(*obligation);
            }
        }
    }
}
