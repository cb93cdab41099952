//! The standard library: `.pol` modules under `stdlib/`, embedded in the binary and imported
//! with `use std.NAME`.

const MODULES: &[(&str, &str)] = &[
    ("countries", include_str!("../stdlib/countries.pol")),
    ("dates", include_str!("../stdlib/dates.pol")),
    ("eu", include_str!("../stdlib/eu.pol")),
    ("japan", include_str!("../stdlib/japan.pol")),
    ("regimes", include_str!("../stdlib/regimes.pol")),
    ("sources", include_str!("../stdlib/sources.pol")),
];

/// The text of the stdlib module `std.NAME`.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, text)| *text)
}

/// The names of every stdlib module.
pub fn names() -> &'static [&'static str] {
    &["countries", "dates", "eu", "japan", "regimes", "sources"]
}
