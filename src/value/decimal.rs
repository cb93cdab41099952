//! Exact decimal numbers for `Decimal` values: a mantissa of at most 28 digits and a scale of
//! at most 28 places, parsed, printed and computed without floating point.

use std::cmp::Ordering;
use std::fmt;

/// A number that is not a whole `Int`: a mantissa (at most [`Decimal::MAX_DIGITS`] digits) and
/// a scale (the digits after the point). Always normalised: no trailing zero after the point, and
/// a whole number only when it is beyond the range of `Int`, so that equal numbers are equal
/// values. Stored in 13 bytes so that a value holding one stays 16.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal {
    mantissa: [u8; 12],
    scale: u8,
}

/// Why a decimal number has no exact value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// More than [`Decimal::MAX_DIGITS`] significant digits before the point.
    Overflow,
    /// More than [`Decimal::MAX_SCALE`] digits after the point, which would need rounding.
    Precision,
}

impl Decimal {
    /// The most significant digits a decimal holds.
    pub const MAX_DIGITS: u32 = 28;
    /// The most digits after the point.
    pub const MAX_SCALE: u32 = 28;
    const LIMIT: i128 = 10i128.pow(Decimal::MAX_DIGITS);

    /// The mantissa: the value times ten to the scale.
    pub fn mantissa(self) -> i128 {
        let mut bytes = [0u8; 16];
        bytes[..12].copy_from_slice(&self.mantissa);
        // Sign-extend from 96 bits.
        if self.mantissa[11] & 0x80 != 0 {
            bytes[12..].fill(0xff);
        }
        i128::from_le_bytes(bytes)
    }

    /// The digits after the point.
    pub fn scale(self) -> u32 {
        u32::from(self.scale)
    }
}

/// A number in canonical form: a whole number within 64 bits is an `Int`, any other a [`Decimal`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Number {
    /// A whole number within 64 bits.
    Int(i64),
    /// Any other.
    Decimal(Decimal),
}

impl Number {
    /// The mantissa and scale.
    pub fn parts(self) -> (i128, u32) {
        match self {
            Number::Int(int) => (i128::from(int), 0),
            Number::Decimal(decimal) => (decimal.mantissa(), decimal.scale()),
        }
    }
}

/// The number `mantissa / 10^scale` in canonical form; an error when it has too many digits to
/// be held exactly.
pub fn number(mut mantissa: i128, mut scale: u32) -> Result<Number, DecimalError> {
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if scale > Decimal::MAX_SCALE {
        return Err(DecimalError::Precision);
    }
    if scale == 0
        && let Ok(int) = i64::try_from(mantissa)
    {
        return Ok(Number::Int(int));
    }
    if mantissa.abs() >= Decimal::LIMIT {
        return Err(DecimalError::Overflow);
    }
    let bytes = mantissa.to_le_bytes();
    let mut stored = [0u8; 12];
    stored.copy_from_slice(&bytes[..12]);
    Ok(Number::Decimal(Decimal {
        mantissa: stored,
        scale: scale as u8,
    }))
}

/// `mantissa` at a larger scale, `None` beyond 128 bits.
fn rescale(mantissa: i128, from: u32, to: u32) -> Option<i128> {
    10i128
        .checked_pow(to - from)
        .and_then(|factor| mantissa.checked_mul(factor))
}

/// How two numbers order.
pub fn compare(left: (i128, u32), right: (i128, u32)) -> Ordering {
    let ((a, a_scale), (b, b_scale)) = (left, right);
    let scale = a_scale.max(b_scale);
    // A mantissa that does not fit at the common scale is larger in size than the other, which
    // does: the order is its sign.
    match (rescale(a, a_scale, scale), rescale(b, b_scale, scale)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (None, _) => a.signum().cmp(&0),
        (_, None) => 0.cmp(&b.signum()),
    }
}

/// The sum of two numbers.
pub fn add(left: (i128, u32), right: (i128, u32)) -> Result<Number, DecimalError> {
    let scale = left.1.max(right.1);
    let a = rescale(left.0, left.1, scale).ok_or(DecimalError::Overflow)?;
    let b = rescale(right.0, right.1, scale).ok_or(DecimalError::Overflow)?;
    number(a.checked_add(b).ok_or(DecimalError::Overflow)?, scale)
}

/// The difference of two numbers.
pub fn sub(left: (i128, u32), right: (i128, u32)) -> Result<Number, DecimalError> {
    add(
        left,
        (right.0.checked_neg().ok_or(DecimalError::Overflow)?, right.1),
    )
}

/// The product of two numbers.
pub fn mul(left: (i128, u32), right: (i128, u32)) -> Result<Number, DecimalError> {
    let product = left.0.checked_mul(right.0).ok_or(DecimalError::Overflow)?;
    number(product, left.1 + right.1)
}

/// Parses a decimal number: an optional sign, digits, optionally `separator` and digits, and
/// (with `exponent`) an exponent `e±n` as JSON writes numbers.
pub fn parse(text: &str, separator: char, exponent: bool) -> Result<Number, ParseError> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (number_part, power) = match rest.find(['e', 'E']) {
        Some(at) if exponent => {
            let power: i32 = rest[at + 1..].parse().map_err(|_| ParseError::Shape)?;
            (&rest[..at], power)
        }
        _ => (rest, 0),
    };
    let (whole, fraction) = match number_part.split_once(separator) {
        Some((whole, fraction)) => (whole, fraction),
        None => (number_part, ""),
    };
    let is_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let has_point = number_part.contains(separator);
    if whole.is_empty() || !is_digits(whole) || !is_digits(fraction) || (has_point && fraction.is_empty()) {
        return Err(ParseError::Shape);
    }
    let fraction = fraction.trim_end_matches('0');
    let mut mantissa: i128 = 0;
    for byte in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(byte - b'0')))
            .ok_or(ParseError::Range(DecimalError::Overflow))?;
    }
    if negative {
        mantissa = -mantissa;
    }
    let mut scale = i64::try_from(fraction.len()).unwrap_or(i64::MAX) - i64::from(power);
    while scale < 0 {
        mantissa = mantissa
            .checked_mul(10)
            .ok_or(ParseError::Range(DecimalError::Overflow))?;
        scale += 1;
    }
    let scale = u32::try_from(scale).map_err(|_| ParseError::Range(DecimalError::Precision))?;
    number(mantissa, scale).map_err(ParseError::Range)
}

/// Why a text is not a decimal number.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not the shape of a number.
    Shape,
    /// A number with too many digits.
    Range(DecimalError),
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecimalError::Overflow => write!(f, "more than {} significant digits", Decimal::MAX_DIGITS),
            DecimalError::Precision => write!(f, "more than {} digits after the point", Decimal::MAX_SCALE),
        }
    }
}

/// Writes a mantissa and scale in canonical form: no trailing zero after the point, `0.5` not `.5`.
pub fn write_parts(mantissa: i128, scale: u32, out: &mut impl fmt::Write) -> fmt::Result {
    let digits = mantissa.unsigned_abs().to_string();
    if mantissa < 0 {
        out.write_char('-')?;
    }
    let scale = scale as usize;
    if scale == 0 {
        return out.write_str(&digits);
    }
    let padded = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        out.write_str(whole)
    } else {
        write!(out, "{whole}.{fraction}")
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_parts(self.mantissa(), self.scale(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(value: Number) -> String {
        match value {
            Number::Int(int) => int.to_string(),
            Number::Decimal(decimal) => decimal.to_string(),
        }
    }

    fn check(text: &str, expected: &str) {
        let shown = match parse(text, '.', true) {
            Ok(value) => show(value),
            Err(error) => format!("{error:?}"),
        };
        assert_eq!(shown, expected, "{text}");
    }

    #[test]
    fn parses_to_canonical_values() {
        check("12.50", "12.5");
        check("12.0", "12");
        check("-0.050", "-0.05");
        check("0.000", "0");
        check("1e3", "1000");
        check("1.5e-3", "0.0015");
        check("+7", "7");
        check("12.", "Shape");
        check(".5", "Shape");
        check("1,5", "Shape");
        check("99999999999999999999999999999", "Range(Overflow)");
        check("9999999999999999999999999999", "9999999999999999999999999999");
        check("0.0000000000000000000000000001", "0.0000000000000000000000000001");
        check("0.00000000000000000000000000001", "Range(Precision)");
        assert_eq!(show(parse("2,75", ',', false).unwrap()), "2.75");
    }

    #[test]
    fn arithmetic_is_exact_or_an_error() {
        let n = |text: &str| parse(text, '.', false).unwrap().parts();
        assert_eq!(show(add(n("0.1"), n("0.2")).unwrap()), "0.3");
        assert_eq!(show(sub(n("1"), n("0.75")).unwrap()), "0.25");
        assert_eq!(show(mul(n("1.5"), n("0.2")).unwrap()), "0.3");
        assert_eq!(show(mul(n("2.5"), n("4")).unwrap()), "10");
        assert_eq!(
            mul(n("9999999999999999999999999999"), n("10")),
            Err(DecimalError::Overflow)
        );
        assert_eq!(
            mul(n("0.00000000000001"), n("0.0000000000000001")),
            Err(DecimalError::Precision)
        );
        assert_eq!(compare(n("2.5"), n("2.50")), Ordering::Equal);
        assert_eq!(compare(n("-3"), n("-2.9")), Ordering::Less);
        assert_eq!(
            compare(
                n("9999999999999999999999999999"),
                n("0.0000000000000000000000000001")
            ),
            Ordering::Greater
        );
    }
}
