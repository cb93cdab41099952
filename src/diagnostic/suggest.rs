//! Did-you-mean suggestions for every stage: the closest of a set of names to a misspelt one,
//! compared case- and accent-insensitively, with the work per call bounded whatever the input.

/// Names longer than this (in characters, after folding) get no suggestion: no one mistypes a
/// name that long, and comparing long names is what makes a suggestion expensive.
pub const MAX_NAME_CHARS: usize = 64;

/// The most edits a suggestion may be away from the name, however long the name.
pub const MAX_EDITS: usize = 6;

/// With more candidates than this there is no suggestion: comparing against them all costs too
/// much, and stopping part-way would make the suggestion depend on the order of the candidates.
pub const MAX_CANDIDATES: usize = 10_000;

/// Suggests the closest of `candidates` to `name`, if one is close enough to be a likely typo.
///
/// Names are compared after folding case, accents and typographic punctuation, so `cote d'ivoire`
/// finds `Côte d'Ivoire` and `côte d’ivoire` finds it too. The work is bounded: at most
/// [`MAX_CANDIDATES`] candidates, each compared over at most [`MAX_NAME_CHARS`] characters within
/// a band of [`MAX_EDITS`] edits.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest(name, candidates, &mut 0)
}

/// [`did_you_mean`], adding to `work` the cells of the edit-distance tables it fills.
fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, work: &mut u64) -> Option<&'a str> {
    let mut folded_name = Vec::new();
    if !fold_into(name, &mut folded_name, MAX_NAME_CHARS) {
        return None;
    }
    let limit = (folded_name.len() / 3).clamp(1, MAX_EDITS);
    let mut folded = Vec::new();
    // The best so far: folded distance, then raw distance (so an exact match but for accents
    // beats a typo), then the text, so the choice never depends on the candidates' order.
    let mut best: Option<(usize, usize, &'a str)> = None;
    for (n_seen, candidate) in candidates.into_iter().enumerate() {
        if n_seen == MAX_CANDIDATES {
            return None;
        }
        if candidate == name {
            continue;
        }
        let bound = best.map_or(limit, |(distance, _, _)| distance);
        if !fold_into(candidate, &mut folded, folded_name.len() + bound) {
            continue;
        }
        let Some(distance) = bounded_distance(&folded_name, &folded, bound, work) else {
            continue;
        };
        let raw = raw_difference(name, candidate);
        let key = (distance, raw, candidate);
        if best.is_none_or(|known| key < known) {
            best = Some(key);
        }
    }
    best.map(|(_, _, candidate)| candidate)
}

/// How many characters differ between two names that fold alike: a tie-breaker only, so a
/// cheap position-by-position count is enough.
fn raw_difference(a: &str, b: &str) -> usize {
    let mut differences = a.chars().zip(b.chars()).filter(|(x, y)| x != y).count();
    differences += a.chars().count().abs_diff(b.chars().count());
    differences.min(MAX_NAME_CHARS)
}

/// Folds `text` into `out` (lowercase, accents dropped, typographic quotes and dashes made
/// plain); `false` as soon as it would be longer than `max` characters.
fn fold_into(text: &str, out: &mut Vec<char>, max: usize) -> bool {
    out.clear();
    for ch in text.chars() {
        for lower in ch.to_lowercase() {
            let (first, second) = match fold_char(lower) {
                Fold::Drop => continue,
                Fold::One(plain) => (plain, None),
                Fold::Two(first, second) => (first, Some(second)),
            };
            for plain in std::iter::once(first).chain(second) {
                if out.len() == max {
                    return false;
                }
                out.push(plain);
            }
        }
    }
    true
}

/// What a character folds to.
enum Fold {
    /// Nothing: a combining mark, which only decorates the letter before it.
    Drop,
    One(char),
    Two(char, char),
}

/// A lowercase character without its accent, or a plain form of typographic punctuation.
fn fold_char(ch: char) -> Fold {
    let plain = match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'æ' => return Fold::Two('a', 'e'),
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'œ' => return Fold::Two('o', 'e'),
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ß' => return Fold::Two('s', 's'),
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{02BC}' | '\u{00B4}' | '`' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        '\u{0300}'..='\u{036F}' => return Fold::Drop,
        other => other,
    };
    Fold::One(plain)
}

/// The edit distance between `a` and `b` if it is at most `bound`; `None` otherwise. An edit
/// inserts, deletes or replaces a character, or swaps two adjacent ones (`Gahna` for `Ghana`).
/// Only the band of cells within `bound` of the diagonal is filled, and the comparison stops as
/// soon as every cell of a row exceeds `bound`: no later row can then come back within it.
fn bounded_distance(a: &[char], b: &[char], bound: usize, work: &mut u64) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let over = bound + 1;
    // Three rows of the table: two rows back (for swaps), the previous row, the current row.
    let mut before = vec![over; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j.min(over)).collect();
    let mut current = vec![over; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        let from = row.saturating_sub(bound).max(1);
        let to = (row + bound).min(b.len());
        current.fill(over);
        current[0] = row.min(over);
        let mut row_min = current[0];
        for j in from..=to {
            *work += 1;
            let substitute = previous[j - 1] + usize::from(*ca != b[j - 1]);
            let mut cell = substitute.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 0 && j > 1 && *ca == b[j - 2] && a[i - 1] == b[j - 1] {
                cell = cell.min(before[j - 2] + 1);
            }
            current[j] = cell.min(over);
            row_min = row_min.min(current[j]);
        }
        if row_min > bound {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= bound).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, candidates: &[&str], expected: Option<&str>) {
        assert_eq!(did_you_mean(name, candidates.iter().copied()), expected, "{name}");
    }

    #[test]
    fn finds_a_one_letter_typo() {
        let names = ["licensed_from", "lethal", "category"];
        check("licenced_from", &names, Some("licensed_from"));
        check("zzz", &names, None);
        check("Gahna", &["Ghana", "Guinea"], Some("Ghana"));
    }

    #[test]
    fn never_suggests_the_name_itself() {
        check("lethal", &["lethal"], None);
    }

    #[test]
    fn accents_case_and_curly_apostrophes_do_not_count() {
        let keys = ["Côte d'Ivoire", "Cabo Verde", "Cameroon"];
        check("Cote d'Ivoire", &keys, Some("Côte d'Ivoire"));
        check("côte d’ivoire", &keys, Some("Côte d'Ivoire"));
        check("COTE D'IVOIRE", &keys, Some("Côte d'Ivoire"));
        // A decomposed accent (a letter and a combining mark) folds like a composed one.
        check("Co\u{0302}te d'Ivoire", &keys, Some("Côte d'Ivoire"));
        check("Ivory Coast", &keys, None);
    }

    #[test]
    fn the_closest_wins_and_ties_go_to_the_first_in_text_order() {
        check("cat", &["bat", "cut", "cart"], Some("bat"));
        check("Turkiye", &["Turkey", "Türkiye"], Some("Türkiye"));
        // Of two candidates that fold alike, the one written like the name wins.
        check("Reunion", &["Réunion", "Reunion "], Some("Réunion"));
    }

    #[test]
    fn distance_is_exact_within_the_band() {
        let distance = |a: &str, b: &str, bound| {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            bounded_distance(&a, &b, bound, &mut 0)
        };
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("", "abc", 3), Some(3));
        assert_eq!(distance("abc", "", 2), None);
        assert_eq!(distance("flaw", "lawn", 2), Some(2));
        assert_eq!(distance("same", "same", 0), Some(0));
        assert_eq!(distance("gahna", "ghana", 1), Some(1));
        assert_eq!(distance("ab", "ba", 1), Some(1));
        assert_eq!(distance("abc", "ca", 3), Some(3));
    }

    /// The whole table, without band or early exit: what the bounded search must agree with.
    fn full_distance(a: &[char], b: &[char]) -> usize {
        let mut table = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in table.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in table[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let mut cell = (table[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(table[i - 1][j] + 1)
                    .min(table[i][j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    cell = cell.min(table[i - 2][j - 2] + 1);
                }
                table[i][j] = cell;
            }
        }
        table[a.len()][b.len()]
    }

    #[test]
    fn the_band_agrees_with_the_whole_table() {
        let mut state = 7u64;
        let mut word = |len: u64| -> Vec<char> {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let n = (state >> 60) % len;
            (0..n)
                .map(|_| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    char::from(b'a' + ((state >> 61) as u8))
                })
                .collect()
        };
        for _ in 0..5_000 {
            let (a, b) = (word(9), word(9));
            let full = full_distance(&a, &b);
            for bound in 0..=4 {
                let expected = (full <= bound).then_some(full);
                assert_eq!(
                    bounded_distance(&a, &b, bound, &mut 0),
                    expected,
                    "{a:?} {b:?} {bound}"
                );
            }
        }
    }

    #[test]
    fn long_names_and_huge_candidate_lists_get_no_suggestion() {
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        let mut near = long.clone();
        near.pop();
        near.push('b');
        check(&long, &[near.as_str()], None);
        let many: Vec<String> = (0..=MAX_CANDIDATES).map(|n| format!("name{n}")).collect();
        assert_eq!(did_you_mean("name1x", many.iter().map(String::as_str)), None);
    }

    /// 100 names of 1,000 characters against 100 keys of 1,000 characters (dangling references
    /// in facts), and 300 names of 300 characters against 300 in scope (misspelt names in a
    /// policy), both once took over 30 seconds; now neither fills a single cell.
    #[test]
    fn long_names_cost_nothing() {
        let mut work = 0;
        let keys: Vec<String> = (0..100).map(|n| format!("{n:04}{}", "k".repeat(996))).collect();
        for n in 0..100 {
            let name = format!("{n:04}{}", "x".repeat(996));
            closest(&name, keys.iter().map(String::as_str), &mut work);
        }
        let names: Vec<String> = (0..300).map(|n| format!("{}{n:03}", "n".repeat(297))).collect();
        for n in 0..300 {
            let name = format!("{}{n:03}", "m".repeat(297));
            closest(&name, names.iter().map(String::as_str), &mut work);
        }
        assert_eq!(work, 0);
    }

    /// The work of one call is at most candidates × characters × band, however the names differ.
    #[test]
    fn work_per_call_is_bounded() {
        let name = "q".repeat(MAX_NAME_CHARS);
        let candidates: Vec<String> = (0..MAX_CANDIDATES)
            .map(|n| format!("{}{n:05}", "q".repeat(MAX_NAME_CHARS - 5)))
            .collect();
        let mut work = 0;
        closest(&name, candidates.iter().map(String::as_str), &mut work);
        let band = 2 * MAX_EDITS as u64 + 1;
        assert!(
            work <= MAX_CANDIDATES as u64 * MAX_NAME_CHARS as u64 * band,
            "{work}"
        );
    }
}
