//! Dates known only to the year or the month (`2014`, `2014-03`), as facts often give them, and
//! their three-valued comparison with exact dates.

use std::fmt;

use super::date::Date;

/// How much of a partial date is known.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// The year: some day of it.
    Year,
    /// The year and the month: some day of that month.
    Month,
}

/// A date known to the year or to the month: some day between [`PartialDate::first`] and
/// [`PartialDate::last`]. It remembers the fact it was read from (`origin`, set by the
/// evaluator), so that a comparison it leaves unknown can name that fact as missing.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    first: Date,
    precision: Precision,
    origin: u32,
}

/// No fact recorded as the origin of a partial date.
const NO_ORIGIN: u32 = u32::MAX;

impl PartialDate {
    /// Some day of `year`; `None` outside [`Date::YEARS`].
    pub fn year(year: i32) -> Option<PartialDate> {
        Some(PartialDate {
            first: Date::from_ymd(year, 1, 1)?,
            precision: Precision::Year,
            origin: NO_ORIGIN,
        })
    }

    /// Some day of a month (1–12) of `year`.
    pub fn month(year: i32, month: u32) -> Option<PartialDate> {
        Some(PartialDate {
            first: Date::from_ymd(year, month, 1)?,
            precision: Precision::Month,
            origin: NO_ORIGIN,
        })
    }

    /// Parses `YYYY` or `YYYY-MM`.
    pub fn parse(text: &str) -> Option<PartialDate> {
        let digits = |part: &str| -> Option<u32> {
            (!part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        match text.as_bytes() {
            [_, _, _, _] => PartialDate::year(i32::try_from(digits(text)?).ok()?),
            [_, _, _, _, b'-', _, _] => {
                PartialDate::month(i32::try_from(digits(&text[..4])?).ok()?, digits(&text[5..])?)
            }
            _ => None,
        }
    }

    /// The first day it may be.
    pub fn first(self) -> Date {
        self.first
    }

    /// The last day it may be.
    pub fn last(self) -> Date {
        let (year, month, _) = self.first.ymd();
        let month = match self.precision {
            Precision::Year => 12,
            Precision::Month => month,
        };
        (28..=31)
            .rev()
            .find_map(|day| Date::from_ymd(year, month, day))
            .expect("every month of the calendar has a 28th day")
    }

    /// How much is known.
    pub fn precision(self) -> Precision {
        self.precision
    }

    /// The same date, remembering where it was read (an index the evaluator gives).
    pub fn with_origin(self, origin: u32) -> PartialDate {
        PartialDate { origin, ..self }
    }

    /// The same date, remembering nothing about where it was read.
    pub fn without_origin(self) -> PartialDate {
        self.with_origin(NO_ORIGIN)
    }

    /// Where it was read, if the evaluator recorded it.
    pub fn origin(self) -> Option<u32> {
        (self.origin != NO_ORIGIN).then_some(self.origin)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, _) = self.first.ymd();
        match self.precision {
            Precision::Year => write!(f, "{year:04}"),
            Precision::Month => write!(f, "{year:04}-{month:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_and_span_their_period() {
        let year = PartialDate::parse("2014").unwrap();
        assert_eq!(year.to_string(), "2014");
        assert_eq!(year.first().to_string(), "2014-01-01");
        assert_eq!(year.last().to_string(), "2014-12-31");
        let month = PartialDate::parse("2024-02").unwrap();
        assert_eq!(month.to_string(), "2024-02");
        assert_eq!(month.last().to_string(), "2024-02-29");
        assert_eq!(
            PartialDate::parse("2014-12").unwrap().last().to_string(),
            "2014-12-31"
        );
        assert_eq!(
            PartialDate::parse("9999").unwrap().last().to_string(),
            "9999-12-31"
        );
        for bad in ["14", "2014-13", "2014-3", "0000", "2014-00", "20x4", "2014-03-01"] {
            assert!(PartialDate::parse(bad).is_none(), "{bad}");
        }
    }
}
