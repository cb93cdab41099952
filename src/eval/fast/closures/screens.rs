//! Rules screened by the subject fields they read, part of the fast path's closures: the
//! conditions a rule opens with on one field (a related record, a boolean or an enum variant)
//! are computed when the closures are built for every value that field holds, as bits by rule,
//! so that a decision reads one word per field instead of running those conditions.

use crate::check::ir::RuleId;

use super::super::word::{BOOL, GIVE_UP, NONE, RECORD, VARIANT, Word};

/// One subject field screened: per value it holds, the rules whose conditions on it hold and
/// those whose conditions on it gave up.
struct Screen {
    /// The field's register.
    register: usize,
    /// The tag of the values it holds besides `none`: a record, a boolean or an enum variant,
    /// each value its own payload.
    tag: u64,
    /// How many values it holds besides `none`: the index of `none` in `rules`.
    none: usize,
    /// Per value, then for `none`: the rules whose conditions on the field hold (every rule
    /// with none), and the rules for which one of them gave up.
    rules: Box<[[u64; 2]]>,
}

/// The rules of a plain policy of at most 64 rules (the closures' `Prefixes`) as bits by rule
/// index, screened by the fields of the subject they open with.
///
/// A rule's conditions are split where the first condition stands that reads something other
/// than one screened field (and constants): those before it are grouped by field, each group
/// kept in its order and computed for every value of its field; the rest run as built, in
/// order, for the rules every group of which holds. The result is the rule's own:
/// - if no group gave up and one is false, the first false condition (in the rule's order)
///   lies in a group and every condition before it in another group, each true, so the rule
///   stops there, as evaluated in order;
/// - if every group holds, the rest run in order as they would;
/// - if a group gave up, the rule might have stopped earlier at a false condition of another
///   group, so the decision falls back to running the conditions in order (the closures' `Prefixes`).
pub(super) struct Screens<C> {
    screens: Box<[Screen]>,
    /// Every rule, as bits by rule index.
    every: u64,
    /// The deny rules.
    denies: u64,
    /// The rules with conditions left to run once screened, and those conditions, by rule index.
    pending: u64,
    rest: Box<[Box<[C]>]>,
}

/// The values a field holds in the subjects' cells: the tag of those that are not `none` nor
/// unknown, and how many payloads (the largest plus one); `None` when they are of another kind
/// or mixed, or when every cell is `none` or unknown.
pub(super) fn domain(cells: impl Iterator<Item = Word>) -> Option<(u64, usize)> {
    let mut tag = None;
    let mut largest = 0u64;
    for word in cells {
        match word.tag {
            NONE | GIVE_UP => {}
            RECORD | BOOL | VARIANT if *tag.get_or_insert(word.tag) == word.tag => {
                largest = largest.max(word.bits);
            }
            _ => return None,
        }
    }
    Some((tag?, usize::try_from(largest).ok()?.checked_add(1)?))
}

/// A rule to screen: its index, whether it denies, and its conditions in order, each with the
/// field it reads alone, if one.
pub(super) type ScreenedRule<T> = (RuleId, bool, Vec<(Option<usize>, T)>);

impl<C> Screens<C> {
    /// Screens rules given in order with whether each denies and its flattened conditions,
    /// each with the field it reads alone (besides constants), if one; `domains` gives, per
    /// field screened, the tag and number of its values ([`domain`]). `rest` makes the
    /// conditions left to run of a rule; `truth` gives whether conditions on one field hold
    /// (`None`: they gave up) when that field holds a value. `None` when a rule index is beyond
    /// 63 or no rule opens with a condition on a field screened.
    pub(super) fn new<T>(
        rules: Vec<ScreenedRule<T>>,
        domains: &[Option<(u64, usize)>],
        mut rest: impl FnMut(Vec<T>) -> Vec<C>,
        mut truth: impl FnMut(usize, Word, &[T]) -> Option<bool>,
    ) -> Option<Screens<C>> {
        let screened = |register: &Option<usize>| {
            register.is_some_and(|register| domains.get(register).is_some_and(Option::is_some))
        };
        let mut every = 0u64;
        let mut denies = 0u64;
        let mut pending = 0u64;
        let mut rests: Vec<Box<[C]>> = Vec::new();
        // Per field screened: per rule with conditions on it, its bit and those conditions.
        let mut groups: Vec<Vec<(u64, Vec<T>)>> = domains.iter().map(|_| Vec::new()).collect();
        for (rule, deny, conditions) in rules {
            let bit = 1u64.checked_shl(rule.0)?;
            every |= bit;
            if deny {
                denies |= bit;
            }
            let n_screened = conditions
                .iter()
                .take_while(|(register, _)| screened(register))
                .count();
            let mut conditions = conditions.into_iter();
            for (register, test) in conditions.by_ref().take(n_screened) {
                let Some(group) = register.and_then(|register| groups.get_mut(register)) else {
                    continue;
                };
                match group.last_mut() {
                    Some((of, tests)) if *of == bit => tests.push(test),
                    _ => group.push((bit, vec![test])),
                }
            }
            let left = rest(conditions.map(|(_, test)| test).collect());
            if !left.is_empty() {
                let idx = rule.idx();
                if rests.len() <= idx {
                    rests.resize_with(idx + 1, Box::default);
                }
                rests[idx] = left.into();
                pending |= bit;
            }
        }
        let mut screens = Vec::new();
        for (register, group) in groups.iter().enumerate() {
            let (Some(Some((tag, values))), false) = (domains.get(register), group.is_empty()) else {
                continue;
            };
            let unscreened = group.iter().fold(every, |rules, (bit, _)| rules & !bit);
            let words = (0..*values as u64).map(|value| Word::new(*tag, value));
            let table = words
                .chain([Word::new(NONE, 0)])
                .map(|word| {
                    let mut rules = [unscreened, 0];
                    for (bit, tests) in group {
                        match truth(register, word, tests) {
                            Some(true) => rules[0] |= bit,
                            Some(false) => {}
                            None => rules[1] |= bit,
                        }
                    }
                    rules
                })
                .collect();
            screens.push(Screen {
                register,
                tag: *tag,
                none: *values,
                rules: table,
            });
        }
        if screens.is_empty() {
            return None;
        }
        Some(Screens {
            screens: screens.into(),
            every,
            denies,
            pending,
            rest: rests.into(),
        })
    }

    /// The deny and permit rules that apply to a subject whose fields are in `registers`, as
    /// bits by rule index, `holds` running a condition left to run; `None` when a screened
    /// field holds a value not screened (an unknown one) or a group of conditions gave up, for
    /// the conditions to run in order instead.
    #[inline(always)]
    pub(super) fn rules(&self, registers: &[Word], holds: impl Fn(&C) -> bool) -> Option<[u64; 2]> {
        let mut applies = self.every;
        let mut gave_up = 0;
        for screen in &self.screens {
            let value = registers.get(screen.register)?;
            let at = if value.tag == screen.tag && value.bits < screen.none as u64 {
                value.bits as usize
            } else if value.tag == NONE {
                screen.none
            } else {
                return None;
            };
            let [rules, gave] = *screen.rules.get(at)?;
            applies &= rules;
            gave_up |= gave;
        }
        if gave_up != 0 {
            return None;
        }
        let mut pending = applies & self.pending;
        while pending != 0 {
            let rule = pending.trailing_zeros() as usize;
            pending &= pending - 1;
            let conditions = self.rest.get(rule).map_or(&[][..], |rest| &rest[..]);
            if !conditions.iter().all(&holds) {
                applies &= !(1u64 << rule);
            }
        }
        Some([applies & self.denies, applies & !self.denies])
    }

    /// How many fields are screened, and how many rules have conditions left to run.
    #[cfg(test)]
    pub(super) fn counts(&self) -> (usize, u32) {
        (self.screens.len(), self.pending.count_ones())
    }
}
