//! The reference workload as plain data: countries, items, transfers and the oracle's expected
//! decisions, read once from `bench/data` (and the 100,000 transfers beside the repository when
//! present) before any engine is timed.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The ten rule ids of the oracle, in its order; bit `i` of [`Outcome::rules`] is `RULES[i]`.
pub const RULES: [&str; 10] = [
    "embargo",
    "embargo-onward",
    "conflict-lethal",
    "conflict-lethal-onward",
    "licensed-return",
    "licensed-return-onward",
    "component-to-licensor",
    "joint-development-partner",
    "joint-development-third-country",
    "five-categories",
];

/// The bit of a rule id in [`Outcome::rules`], if the id is one of [`RULES`].
pub fn rule_bit(id: &str) -> Option<u16> {
    RULES.iter().position(|rule| *rule == id).map(|idx| 1 << idx)
}

/// The rule ids whose bits are set, for messages.
pub fn rule_names(rules: u16) -> Vec<&'static str> {
    RULES
        .iter()
        .enumerate()
        .filter(|(idx, _)| rules & (1 << idx) != 0)
        .map(|(_, rule)| *rule)
        .collect()
}

/// One decision in a form every engine can produce: whether the transfer may go, and the
/// deciding rules as a bit set over [`RULES`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the transfer is allowed.
    pub allow: bool,
    /// The deciding rules: the deny rules that applied if any did, else the permit rules that applied.
    pub rules: u16,
}

/// A country; dates are days since 1970-01-01.
pub struct Country {
    /// Its code, `C000` for home.
    pub code: String,
    /// Whether it is in conflict.
    pub in_conflict: bool,
    /// Whether it is a security partner.
    pub security_partner: bool,
    /// The day its embargo began, if any.
    pub embargo_since: Option<i64>,
    /// The day its agreement began, if any.
    pub agreement_since: Option<i64>,
}

/// An item.
pub struct Item {
    /// Its id.
    pub id: String,
    /// Whether it is lethal.
    pub lethal: bool,
    /// Its category.
    pub category: String,
    /// The country it is made under licence from, if any.
    pub licensed_from: Option<String>,
    /// The countries of its joint programme.
    pub joint_partners: Vec<String>,
    /// Whether it is a component.
    pub is_component: bool,
}

/// A transfer, the request each engine is asked to decide.
pub struct Transfer {
    /// The item's id.
    pub item: String,
    /// The exporting country.
    pub exporter: String,
    /// The destination country.
    pub destination: String,
    /// The onward destination, if any.
    pub onward: Option<String>,
    /// Whether consent was given.
    pub consent: bool,
    /// The day of the transfer.
    pub date: i64,
}

/// Everything the engines are given and checked against.
pub struct Workload {
    /// The folder of `countries.json` and `items.json`.
    pub data_dir: PathBuf,
    /// The transfers file read.
    pub transfers_path: PathBuf,
    /// The countries.
    pub countries: Vec<Country>,
    /// The items.
    pub items: Vec<Item>,
    /// The transfers, in file order.
    pub transfers: Vec<Transfer>,
    /// The oracle's outcome for each transfer.
    pub expected: Vec<Outcome>,
}

/// Where the transfers and the expected outcomes are: the 100,000 transfers beside the repository
/// when present and not `small`, else the 10,000 of `bench/data`.
fn transfer_files(repo: &Path, small: bool) -> (PathBuf, PathBuf) {
    let shared = repo.join("../shared/bench");
    let large = shared.join("transfers-100000.json");
    if !small && large.exists() {
        return (large, shared.join("expected-100000.json"));
    }
    if !small {
        eprintln!(
            "note: ../shared/bench/transfers-100000.json is absent beside the repository; using the 10,000 transfers of bench/data"
        );
    }
    let data = repo.join("bench/data");
    (
        data.join("transfers-10000.json"),
        data.join("expected-10000.json"),
    )
}

fn read_array(path: &Path) -> Result<Vec<Value>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    match serde_json::from_str(&text) {
        Ok(Value::Array(values)) => Ok(values),
        Ok(_) => Err(format!("`{}` is not a JSON array", path.display())),
        Err(err) => Err(format!("`{}` is not valid JSON: {err}", path.display())),
    }
}

fn text(record: &Value, field: &str) -> Result<String, String> {
    record[field]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("field `{field}` is not text in {record}"))
}

fn optional_text(record: &Value, field: &str) -> Result<Option<String>, String> {
    match &record[field] {
        Value::Null => Ok(None),
        _ => text(record, field).map(Some),
    }
}

fn boolean(record: &Value, field: &str) -> Result<bool, String> {
    record[field]
        .as_bool()
        .ok_or_else(|| format!("field `{field}` is not a boolean in {record}"))
}

fn day(text: &str) -> Result<i64, String> {
    pol::value::Date::parse(text)
        .map(|date| i64::from(date.0))
        .ok_or_else(|| format!("`{text}` is not a date"))
}

fn optional_day(record: &Value, field: &str) -> Result<Option<i64>, String> {
    optional_text(record, field)?.as_deref().map(day).transpose()
}

fn country(record: &Value) -> Result<Country, String> {
    Ok(Country {
        code: text(record, "code")?,
        in_conflict: boolean(record, "in_conflict")?,
        security_partner: boolean(record, "security_partner")?,
        embargo_since: optional_day(record, "embargo_since")?,
        agreement_since: optional_day(record, "agreement_since")?,
    })
}

fn item(record: &Value) -> Result<Item, String> {
    let partners = record["joint_partners"]
        .as_array()
        .ok_or_else(|| format!("field `joint_partners` is not an array in {record}"))?;
    Ok(Item {
        id: text(record, "id")?,
        lethal: boolean(record, "lethal")?,
        category: text(record, "category")?,
        licensed_from: optional_text(record, "licensed_from")?,
        joint_partners: partners
            .iter()
            .map(|code| {
                code.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("a joint partner is not text in {record}"))
            })
            .collect::<Result<_, _>>()?,
        is_component: boolean(record, "is_component")?,
    })
}

fn transfer(record: &Value) -> Result<Transfer, String> {
    Ok(Transfer {
        item: text(record, "item")?,
        exporter: text(record, "exporter")?,
        destination: text(record, "destination")?,
        onward: optional_text(record, "onward")?,
        consent: boolean(record, "consent")?,
        date: day(&text(record, "date")?)?,
    })
}

fn expected(record: &Value) -> Result<Outcome, String> {
    let ids = record["rules"]
        .as_array()
        .ok_or_else(|| format!("field `rules` is not an array in {record}"))?;
    let mut rules = 0;
    for id in ids {
        let id = id
            .as_str()
            .ok_or_else(|| format!("a rule id is not text in {record}"))?;
        rules |= rule_bit(id).ok_or_else(|| format!("unknown rule id `{id}`"))?;
    }
    Ok(Outcome {
        allow: boolean(record, "allow")?,
        rules,
    })
}

/// Reads the workload of the repository at `repo`; `small` keeps to the 10,000 transfers.
pub fn load(repo: &Path, small: bool) -> Result<Workload, String> {
    let data_dir = repo.join("bench/data");
    let (transfers_path, expected_path) = transfer_files(repo, small);
    let workload = Workload {
        countries: read_array(&data_dir.join("countries.json"))?
            .iter()
            .map(country)
            .collect::<Result<_, _>>()?,
        items: read_array(&data_dir.join("items.json"))?
            .iter()
            .map(item)
            .collect::<Result<_, _>>()?,
        transfers: read_array(&transfers_path)?
            .iter()
            .map(transfer)
            .collect::<Result<_, _>>()?,
        expected: read_array(&expected_path)?
            .iter()
            .map(expected)
            .collect::<Result<_, _>>()?,
        data_dir,
        transfers_path,
    };
    if workload.transfers.len() != workload.expected.len() {
        return Err(format!(
            "{} transfers but {} expected decisions",
            workload.transfers.len(),
            workload.expected.len()
        ));
    }
    Ok(workload)
}
