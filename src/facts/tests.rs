//! Tests of loading facts: every format and shape, every diagnostic with its span, placeholders,
//! unknown versus none, and loading speed.

use super::*;
use crate::check::ir::{
    EnumDef, EnumId, FieldDef, KeyRefDef, RecordDef, Subject, TestFact, TestValue, TypeId,
};
use crate::diagnostic::Code;
use crate::value::Date;

mod nested;

fn span0() -> Span {
    Span::new(SourceId(0), 0, 0)
}

fn field(name: &str, ty: TypeId) -> FieldDef {
    FieldDef {
        name: name.to_owned(),
        ty,
        span: span0(),
    }
}

fn record(name: &str, key: Option<u32>, fields: Vec<FieldDef>) -> RecordDef {
    RecordDef {
        alias: None,
        table: false,
        key_table: None,
        name: name.to_owned(),
        fields,
        key,
        nested: false,
        compound_key: Vec::new(),
        span: span0(),
    }
}

const COUNTRY: RecordId = RecordId(0);
const ITEM: RecordId = RecordId(1);
const TRANSFER: RecordId = RecordId(2);
const NOTE: RecordId = RecordId(3);

/// The schema of the tests:
///
/// ```text
/// enum Category { rescue, transport, warning, surveillance, minesweeping, other }
/// record Country key code { code: Text, party_to_conflict: Bool, in_combat: Bool, agreement_since: Date? }
/// record Item key id { id: Text, lethal: Bool, category: Category, licensed_from: Country?,
///                      joint_partners: Set<Country>, count: Int?, sizes: List<Int> }
/// record Transfer key id { id: Text, item: Item, exporter: Country, destination: Country,
///                          onward: Country?, consent: Bool, date: Date }
/// record Note { text: Text, weight: Int, tags: Set<Text>, grid: List<Set<Int>> }
/// decide t: Transfer
/// let home = Country["JP"]; let nowhere = Country["ZZ"]
/// ```
fn program() -> Program {
    let mut program = Program::default();
    let types = &mut program.types;
    let text = types.intern(Type::Text);
    let boolean = types.intern(Type::Bool);
    let int = types.intern(Type::Int);
    let date = types.intern(Type::Date);
    let category = types.intern(Type::Enum(EnumId(0)));
    let country = types.intern(Type::Record(COUNTRY));
    let item = types.intern(Type::Record(ITEM));
    let optional_date = types.intern(Type::Optional(date));
    let optional_country = types.intern(Type::Optional(country));
    let countries = types.intern(Type::Set(country));
    let optional_int = types.intern(Type::Optional(int));
    let ints = types.intern(Type::List(int));
    let texts = types.intern(Type::Set(text));
    let int_set = types.intern(Type::Set(int));
    let grid = types.intern(Type::List(int_set));
    program.enums.push(EnumDef {
        name: "Category".to_owned(),
        variants: [
            "rescue",
            "transport",
            "warning",
            "surveillance",
            "minesweeping",
            "other",
        ]
        .map(String::from)
        .to_vec(),
        span: span0(),
    });
    program.records = vec![
        record(
            "Country",
            Some(0),
            vec![
                field("code", text),
                field("party_to_conflict", boolean),
                field("in_combat", boolean),
                field("agreement_since", optional_date),
            ],
        ),
        record(
            "Item",
            Some(0),
            vec![
                field("id", text),
                field("lethal", boolean),
                field("category", category),
                field("licensed_from", optional_country),
                field("joint_partners", countries),
                field("count", optional_int),
                field("sizes", ints),
            ],
        ),
        record(
            "Transfer",
            Some(0),
            vec![
                field("id", text),
                field("item", item),
                field("exporter", country),
                field("destination", country),
                field("onward", optional_country),
                field("consent", boolean),
                field("date", date),
            ],
        ),
        record(
            "Note",
            None,
            vec![
                field("text", text),
                field("weight", int),
                field("tags", texts),
                field("grid", grid),
            ],
        ),
    ];
    for key in ["JP", "ZZ"] {
        let key = program.interner.intern(key);
        program.key_refs.push(KeyRefDef {
            record: COUNTRY,
            key,
            span: span0(),
            later_uses: Vec::new(),
        });
    }
    program.subject = Some(Subject {
        record: TRANSFER,
        var: "t".to_owned(),
        date: None,
        n_locals: 0,
        span: span0(),
    });
    program
}

/// A value of type `ty` as the tests write it.
fn render_value(program: &Program, facts: &Facts, ty: TypeId, value: Option<Value>) -> String {
    let Some(value) = value else {
        return "?".to_owned();
    };
    let ty = program.types.strip_optional(ty);
    match (program.types.get(ty), value) {
        (_, Value::None) => "none".to_owned(),
        (_, Value::Bool(value)) => value.to_string(),
        (_, Value::Int(value)) => value.to_string(),
        (_, Value::Text(sym)) => format!("{:?}", facts.interner.resolve(sym)),
        (_, Value::Date(date)) => date.to_string(),
        (Type::Enum(id), Value::Variant(idx)) => program.enums[id.idx()].variants[idx as usize].clone(),
        (Type::Record(target), Value::Record(row)) => match facts.key_text(program, target, row) {
            Some(key) => format!("->{key}"),
            None => format!("->#{row}"),
        },
        (Type::Set(elem), Value::Seq(id)) | (Type::List(elem), Value::Seq(id)) => {
            let elements: Vec<String> = facts
                .seq(id)
                .iter()
                .map(|element| render_value(program, facts, elem, Some(*element)))
                .collect();
            let (open, close) = if matches!(program.types.get(ty), Type::Set(_)) {
                ('{', '}')
            } else {
                ('[', ']')
            };
            format!("{open}{}{close}", elements.join(", "))
        }
        (ty, value) => panic!("value {value:?} stored for type {ty:?}"),
    }
}

/// Every row of every table, then the key references.
fn render_facts(program: &Program, facts: &Facts) -> String {
    let mut out = String::new();
    for (idx, def) in program.records.iter().enumerate() {
        let record = RecordId(idx as u32);
        for row in 0..facts.n_rows(record) {
            out.push_str(&format!("{}[{row}]", def.name));
            if row >= facts.tables[idx].n_input_rows {
                out.push_str(" placeholder");
            }
            for (field, field_def) in (0u32..).zip(&def.fields) {
                let value = facts.cell(record, row, field);
                out.push_str(&format!(
                    " {}={}",
                    field_def.name,
                    render_value(program, facts, field_def.ty, value)
                ));
            }
            out.push('\n');
        }
    }
    let key_refs: Vec<String> = (program.key_refs.iter().zip(&facts.key_refs))
        .map(|(key_ref, row)| format!("{}->{row}", facts.interner.resolve(key_ref.key)))
        .collect();
    out.push_str(&format!("key_refs {}\n", key_refs.join(" ")));
    out
}

fn render_diagnostics(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&format!("{} {}\n", diagnostic.code.as_str(), diagnostic.message));
        if let Some(label) = &diagnostic.primary {
            out.push_str(&format!(
                "  at `{}`: {}\n",
                sources.snippet(label.span),
                label.message
            ));
        }
        for label in &diagnostic.secondary {
            out.push_str(&format!(
                "  also `{}`: {}\n",
                sources.snippet(label.span),
                label.message
            ));
        }
        if let Some(help) = &diagnostic.help {
            out.push_str(&format!("  help: {help}\n"));
        }
        if let Some(setting) = &diagnostic.setting {
            out.push_str(&format!("  setting: {setting:?}\n"));
        }
    }
    out
}

/// Loads each input (a file name that gives the format, the record type it holds if named,
/// and the text) and renders the facts, or every diagnostic if there are any.
fn load(inputs: &[(&str, Option<&str>, &str)]) -> String {
    load_with(&program(), inputs, render_facts)
}

/// Loads each input against `program`, as [`load`] does, and renders the facts with `render`.
fn load_with(
    program: &Program,
    inputs: &[(&str, Option<&str>, &str)],
    render: fn(&Program, &Facts) -> String,
) -> String {
    let mut sources = SourceMap::new();
    let mut builder = FactsBuilder::new(program);
    let mut diagnostics = Vec::new();
    for (name, record, text) in inputs {
        let source = sources.add(*name, *text);
        let format = Format::from_path(name).expect("test file names have a facts extension");
        let record = record.map(|name| program.record(name).expect("a record type of the test schema"));
        if let Err(found) = builder.add_text(&sources, source, format, record) {
            diagnostics.extend(found);
        }
    }
    match builder.finish() {
        Ok(facts) if diagnostics.is_empty() => render(program, &facts),
        Ok(_) => render_diagnostics(&sources, &diagnostics),
        Err(found) => {
            diagnostics.extend(found);
            render_diagnostics(&sources, &diagnostics)
        }
    }
}

fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().map(str::trim).collect();
    lines.join("\n")
}

fn check(inputs: &[(&str, Option<&str>, &str)], expected: &str) {
    let actual = load(inputs);
    assert_eq!(normalize(&actual), normalize(expected), "\nactual:\n{actual}");
}

fn check_json(text: &str, expected: &str) {
    check(&[("facts.json", None, text)], expected);
}

const COUNTRIES: &str = r#"{"Country": [
  {"code": "JP", "party_to_conflict": false, "in_combat": false, "agreement_since": "2014-04-01"},
  {"code": "US", "party_to_conflict": false, "in_combat": "?"}
]}"#;

// JSON shapes and values.

#[test]
fn json_object_of_record_arrays_loads_every_type() {
    check_json(
        r#"{
          "Country": [
            {"code": "JP", "party_to_conflict": false, "in_combat": false, "agreement_since": "2014-04-01"},
            {"code": "US", "party_to_conflict": false, "in_combat": true, "agreement_since": null}
          ],
          "Item": [
            {"id": "PAC-3", "lethal": true, "category": "other", "licensed_from": "US",
             "joint_partners": ["US", "JP", "US"], "count": -12, "sizes": [3, 1, 3]}
          ],
          "Transfer": [
            {"id": "t1", "item": "PAC-3", "exporter": "JP", "destination": "US", "onward": null,
             "consent": false, "date": "2023-12-22"}
          ],
          "Note": [{"text": "caf\u00e9 \"quoted\"", "weight": 9223372036854775807, "tags": ["b", "a", "b"], "grid": [[2, 1], []]}]
        }"#,
        r#"
        Country[0] code="JP" party_to_conflict=false in_combat=false agreement_since=2014-04-01
        Country[1] code="US" party_to_conflict=false in_combat=true agreement_since=none
        Country[2] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Item[0] id="PAC-3" lethal=true category=other licensed_from=->US joint_partners={->JP, ->US} count=-12 sizes=[3, 1, 3]
        Transfer[0] id="t1" item=->PAC-3 exporter=->JP destination=->US onward=none consent=false date=2023-12-22
        Note[0] text="café \"quoted\"" weight=9223372036854775807 tags={"b", "a"} grid=[{1, 2}, {}]
        key_refs JP->0 ZZ->2
        "#,
    );
}

#[test]
fn missing_required_fields_are_unknown_and_missing_optional_fields_are_none() {
    check_json(
        r#"{"Country": [{"code": "JP"}, {"code": "UA", "in_combat": "?", "agreement_since": "?", "party_to_conflict": null}]}"#,
        r#"
        Country[0] code="JP" party_to_conflict=? in_combat=? agreement_since=none
        Country[1] code="UA" party_to_conflict=? in_combat=? agreement_since=?
        Country[2] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        key_refs JP->0 ZZ->2
        "#,
    );
}

#[test]
fn a_set_with_an_unknown_element_is_unknown() {
    check_json(
        r#"{"Country": [{"code": "JP"}], "Item": [{"id": "a", "joint_partners": ["JP", "?"], "sizes": "?"}]}"#,
        r#"
        Country[0] code="JP" party_to_conflict=? in_combat=? agreement_since=none
        Country[1] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Item[0] id="a" lethal=? category=? licensed_from=none joint_partners=? count=none sizes=?
        key_refs JP->0 ZZ->1
        "#,
    );
}

#[test]
fn references_may_come_before_their_targets_and_sets_of_them_are_sorted() {
    check(
        &[
            (
                "items.json",
                None,
                r#"{"Item": [{"id": "x", "joint_partners": ["US", "JP", "US"]}]}"#,
            ),
            ("countries.json", None, COUNTRIES),
        ],
        r#"
        Country[0] code="JP" party_to_conflict=false in_combat=false agreement_since=2014-04-01
        Country[1] code="US" party_to_conflict=false in_combat=? agreement_since=none
        Country[2] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Item[0] id="x" lethal=? category=? licensed_from=none joint_partners={->JP, ->US} count=none sizes=?
        key_refs JP->0 ZZ->2
        "#,
    );
}

#[test]
fn top_level_array_holds_the_named_record_type() {
    check(
        &[(
            "countries.json",
            Some("Country"),
            "\u{feff} [{\"code\": \"JP\"}, {\"code\": \"ZZ\"}]\n",
        )],
        r#"
        Country[0] code="JP" party_to_conflict=? in_combat=? agreement_since=none
        Country[1] code="ZZ" party_to_conflict=? in_combat=? agreement_since=none
        key_refs JP->0 ZZ->1
        "#,
    );
}

#[test]
fn empty_object_and_empty_arrays_are_no_facts() {
    check_json(
        r#"{"Country": [], "Note": []}"#,
        r#"
        Country[0] placeholder code="JP" party_to_conflict=? in_combat=? agreement_since=?
        Country[1] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        key_refs JP->0 ZZ->1
        "#,
    );
}

// JSON shape problems.

#[test]
fn top_level_array_without_a_record_type_is_reported() {
    check_json(
        r#"[{"code": "JP"}]"#,
        r#"
        E0410 the facts are an array of records of no named type
        at `[`: records of which type?
        help: say which record type it holds
        setting: FactsRecord { example: "Country" }
        "#,
    );
}

#[test]
fn top_level_scalar_is_reported() {
    check_json(
        r#" "Country" "#,
        r#"
        E0410 expected an object of record arrays or an array of records, found text
        at `"Country"`: expected an object or an array
        help: write `{"Country": [ … ]}`, or an array and say which record type it holds
        setting: FactsRecord { example: "Country" }
        "#,
    );
}

#[test]
fn empty_json_file_is_reported() {
    check_json(
        " \n ",
        r#"
        E0402 empty facts file
        at ` 
        `: the file is empty
        help: write `{}` for a file with no facts
        "#,
    );
}

#[test]
fn records_must_be_arrays_of_objects() {
    check_json(
        r#"{"Country": {"code": "JP"}, "Item": [{"id": "a"}, 42]}"#,
        r#"
        E0410 expected an array of `Country` facts, found an object
        at `{"code": "JP"}`: expected an array
        E0410 expected a `Item` fact for `Item[#2]`, found a number
        at `42`: expected an object
        "#,
    );
}

#[test]
fn unknown_record_type_suggests_a_similar_name() {
    check_json(
        r#"{"Contry": [{"code": "JP"}], "Things": []}"#,
        r#"
        E0403 unknown record type `Contry`
        at `"Contry"`: not a record type of the policy
        help: a similar name exists: `Country`
        E0403 unknown record type `Things`
        at `"Things"`: not a record type of the policy
        help: the record types are `Country`, `Item`, `Transfer`, `Note`
        "#,
    );
}

// JSON field problems.

#[test]
fn unknown_field_suggests_a_similar_name() {
    check_json(
        r#"{"Country": [{"code": "JP", "in_combt": false, "zzz": [1, {"a": [2]}]}]}"#,
        r#"
        E0404 unknown field `in_combt` in `Country[#1]`
        at `"in_combt"`: `Country` has no such field
        help: a similar name exists: `in_combat`
        E0404 unknown field `zzz` in `Country[#1]`
        at `"zzz"`: `Country` has no such field
        help: the fields of `Country` are `code`, `party_to_conflict`, `in_combat`, `agreement_since`
        "#,
    );
}

#[test]
fn field_given_twice_points_at_both() {
    check_json(
        r#"{"Country": [{"code": "JP", "in_combat": false, "in_combat": true}]}"#,
        r#"
        E0412 field `in_combat` given twice in `Country[#1]`
        at `"in_combat"`: given again here
        also `"in_combat"`: first given here
        help: give each field once
        "#,
    );
}

#[test]
fn values_of_the_wrong_type_name_their_path() {
    check_json(
        r#"{"Transfer": [{"id": "t0"}, {"id": "t1"}, {"id": "t2"},
            {"id": "t3", "item": 7, "consent": "yes", "date": 20230101, "onward": ["JP"], "exporter": {"code": "JP"}}]}"#,
        r#"
        E0405 expected `Item` for `Transfer[#4].item`, found a number
        at `7`: expected `Item`
        E0405 expected `Bool` for `Transfer[#4].consent`, found text
        at `"yes"`: expected `Bool`
        E0405 expected `Date` for `Transfer[#4].date`, found a number
        at `20230101`: expected `Date`
        E0405 expected `Country?` for `Transfer[#4].onward`, found an array
        at `["JP"]`: expected `Country?`
        E0414 `Transfer[#4].exporter` is not a nested record, but an object is written for it
        at `{"code": "JP"}`: expected `Country`
        help: `Country` has a key: write the key of a `Country` fact as a string, and the fact itself among the `Country` facts
        "#,
    );
}

#[test]
fn impossible_dates_are_reported() {
    check_json(
        r#"{"Country": [{"code": "JP", "agreement_since": "2023-02-30"}, {"code": "US", "agreement_since": "1 May 2020"}]}"#,
        r#"
        E0405 `2023-02-30` is not a calendar date
        at `"2023-02-30"`: expected `Date` for `Country[#1].agreement_since`
        E0405 `1 May 2020` is not a date
        at `"1 May 2020"`: expected `Date` for `Country[#2].agreement_since`
        help: dates are written `YYYY-MM-DD`, or `YYYY` or `YYYY-MM` when only the year or month is known
        "#,
    );
}

#[test]
fn integers_must_be_whole_and_fit_in_64_bits() {
    check_json(
        r#"{"Item": [{"id": "a", "count": 1.5, "sizes": [1, 2e3, -9223372036854775809]},
                     {"id": "b", "count": 99999999999999999999}]}"#,
        r#"
        E0405 `1.5` is not an integer
        at `1.5`: expected `Int` for `Item[#1].count`
        help: write a whole number without a fraction or an exponent
        E0405 `2e3` is not an integer
        at `2e3`: expected `Int` for `Item[#1].sizes[1]`
        help: write a whole number without a fraction or an exponent
        E0405 `-9223372036854775809` does not fit in 64 bits
        at `-9223372036854775809`: expected `Int` for `Item[#1].sizes[2]`
        help: integers range from -9223372036854775808 to 9223372036854775807
        E0405 `99999999999999999999` does not fit in 64 bits
        at `99999999999999999999`: expected `Int` for `Item[#2].count`
        help: integers range from -9223372036854775808 to 9223372036854775807
        "#,
    );
}

#[test]
fn unknown_variant_lists_the_variants() {
    check_json(
        r#"{"Item": [{"id": "a", "category": "rescu"}, {"id": "b", "category": "tank"}]}"#,
        r#"
        E0405 unknown variant `rescu` of `Category`
        at `"rescu"`: expected `Category` for `Item[#1].category`
        help: a similar name exists: `rescue`; the variants of `Category` are `rescue`, `transport`, `warning`, `surveillance`, `minesweeping`, `other`
        E0405 unknown variant `tank` of `Category`
        at `"tank"`: expected `Category` for `Item[#2].category`
        help: the variants of `Category` are `rescue`, `transport`, `warning`, `surveillance`, `minesweeping`, `other`
        "#,
    );
}

#[test]
fn null_set_elements_are_reported() {
    check_json(
        r#"{"Note": [{"text": "n", "weight": 1, "tags": ["a", null]}]}"#,
        r#"
        E0405 `Note[#1].tags[1]` is null
        at `null`: expected a value
        help: leave the element out, or write `"?"` for the whole field if it is not known
        "#,
    );
}

// Keys and references.

#[test]
fn dangling_reference_suggests_a_similar_key() {
    check(
        &[
            ("countries.json", None, COUNTRIES),
            (
                "transfers.json",
                None,
                r#"{"Transfer": [{"id": "t0", "item": "PAC-3", "exporter": "JPN", "destination": "US"}]}"#,
            ),
        ],
        r#"
        E0406 no `Item` has the key `PAC-3`
        at `"PAC-3"`: `Transfer[#1].item` refers to it
        help: add a `Item` fact with the key `PAC-3`
        E0406 no `Country` has the key `JPN`
        at `"JPN"`: `Transfer[#1].exporter` refers to it
        help: a similar key exists: `JP`
        "#,
    );
}

#[test]
fn dangling_reference_in_a_set_names_the_element() {
    check(
        &[(
            "facts.json",
            None,
            r#"{"Item": [{"id": "a", "joint_partners": ["JP", "FR"]}], "Country": [{"code": "JP"}]}"#,
        )],
        r#"
        E0406 no `Country` has the key `FR`
        at `"FR"`: `Item[#1].joint_partners[1]` refers to it
        help: add a `Country` fact with the key `FR`
        "#,
    );
}

#[test]
fn a_reference_to_a_placeholder_key_is_still_dangling() {
    check_json(
        r#"{"Item": [{"id": "a", "licensed_from": "ZZ"}]}"#,
        r#"
        E0406 no `Country` has the key `ZZ`
        at `"ZZ"`: `Item[#1].licensed_from` refers to it
        help: add a `Country` fact with the key `ZZ`
        "#,
    );
}

#[test]
fn duplicate_keys_point_at_the_first() {
    check(
        &[
            ("a.json", None, r#"{"Country": [{"code": "JP"}, {"code": "US"}]}"#),
            (
                "b.json",
                None,
                r#"{"Country": [{"code": "US", "in_combat": false}]}"#,
            ),
        ],
        r#"
        E0407 two `Country` facts have the key `US`
        at `"US"`: `Country[#1].code` repeats it
        also `"US"`: first given here
        help: keys identify facts: give each `Country` its own key
        "#,
    );
}

#[test]
fn missing_null_and_unknown_keys_are_reported() {
    check_json(
        r#"{"Country": [{"in_combat": true}, {"code": null}, {"code": "?"}, {"code": 5}]}"#,
        r#"
        E0408 `Country[#1]` has no key `code`
        at `{"in_combat": true}`: every `Country` needs a `code`
        help: give this fact its `code`: other facts refer to it by key
        E0408 `Country[#2]` has no key `code`
        at `null`: every `Country` needs a `code`
        help: give this fact its `code`: other facts refer to it by key
        E0408 the key `Country[#3].code` cannot be unknown
        at `"?"`: unknown key
        help: other facts refer to this one by its key: give the key
        E0405 expected `Text` for `Country[#4].code`, found a number
        at `5`: expected `Text`
        "#,
    );
}

#[test]
fn keyless_records_need_no_key() {
    check_json(
        r#"{"Note": [{"text": "a", "weight": 1, "tags": [], "grid": []}, {"text": "a", "weight": 1}]}"#,
        r#"
        Country[0] placeholder code="JP" party_to_conflict=? in_combat=? agreement_since=?
        Country[1] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Note[0] text="a" weight=1 tags={} grid=[]
        Note[1] text="a" weight=1 tags=? grid=?
        key_refs JP->0 ZZ->1
        "#,
    );
}

// Malformed JSON.

#[test]
fn malformed_json_points_at_the_exact_spot() {
    let cases = [
        (
            r#"{"Country": [{"code": "JP" "in_combat": true}]}"#,
            "expected `,` or `}` after an object field",
            "\"",
        ),
        (r#"{"Country": [{"code": "JP"},]}"#, "expected a fact", "]"),
        (
            r#"{"Country": [{"code": "JP"}}"#,
            "expected `,` or `]` after a fact",
            "}",
        ),
        (
            r#"{"Country": [{"code" "JP"}]}"#,
            "expected `:` after a field name",
            "\"",
        ),
        (
            r#"{"Country": [{"code": "JP", }]}"#,
            "expected a field name in quotes",
            "}",
        ),
        (r#"{"Country": [{"code": tru}]}"#, "expected a value", "t"),
        (
            r#"{"Country": [{"code": "J\qP"}]}"#,
            "unknown escape in a string",
            "\\",
        ),
        (
            r#"{"Country": [{"code": "J\uD800"}]}"#,
            "unpaired surrogate in a `\\u` escape",
            "\\",
        ),
        (
            r#"{"Country": [{"code": "J\u12"}]}"#,
            "expected four hexadecimal digits after `\\u`",
            "\\",
        ),
        (
            "{\"Country\": [{\"code\": \"J\tP\"}]}",
            "control character in a string (write it as an escape such as `\\n`)",
            "\t",
        ),
        (r#"{"Item": [{"count": -}]}"#, "expected a digit", "}"),
        (
            r#"{"Item": [{"count": 01}]}"#,
            "expected `,` or `}` after an object field",
            "1",
        ),
        (r#"{"Item": [{"count": 1.}]}"#, "expected a digit after `.`", "}"),
        (
            r#"{"Item": [{"count": 1e+}]}"#,
            "expected a digit in the exponent",
            "}",
        ),
        (
            r#"{"Country": []} []"#,
            "expected the end of the text after the facts",
            "[",
        ),
        (
            r#"{"Country": [], 5: []}"#,
            "expected a record type name in quotes",
            "5",
        ),
        (
            r#"{"Country": [] "Item": []}"#,
            "expected `,` or `}` after an array of facts",
            "\"",
        ),
        (
            r#"{"Country": [{"code": [1 2]}]}"#,
            "expected `,` or `]` after an array element",
            "2",
        ),
        (
            r#"{"Country": [{"code": {"a" 1}}]}"#,
            "expected `:` after a field name",
            "1",
        ),
        (
            r#"{"Item": [{"sizes": [1 2]}]}"#,
            "expected `,` or `]` after an array element",
            "2",
        ),
        ("@", "expected a JSON value", "@"),
        (r#"{"Country": [{"code": "JP"#, "unterminated string", "\""),
        (
            r#"{"Country": [{"code": "JP""#,
            "expected `,` or `}` after an object field",
            "",
        ),
    ];
    for (text, detail, found) in cases {
        let label = if found.is_empty() {
            "the text ends here".to_owned()
        } else {
            format!("found `{}`", found.escape_debug())
        };
        let label = if detail == "unterminated string" {
            "the string starts here".to_owned()
        } else {
            label
        };
        let expected = format!("E0402 malformed JSON: {detail}\nat `{found}`: {label}");
        check_json(text, &expected);
    }
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    let deep = format!("{{\"Country\": [{}", "[".repeat(100_000));
    check_json(
        &deep,
        r#"
        E0402 JSON nested deeper than 128 levels
        at `[`: too deep
        help: facts need only a few levels (an object of arrays of records); raise the limit
        setting: FactsNesting
        "#,
    );
    let deep_field = format!("{{\"Note\": [{{\"zzz\": {}", "{\"a\": ".repeat(200));
    let actual = load(&[("facts.json", None, &deep_field)]);
    assert!(
        actual.contains("E0402 JSON nested deeper than 128 levels"),
        "{actual}"
    );
}

#[test]
fn problems_past_the_cap_are_counted() {
    let records: Vec<String> = (0..150)
        .map(|idx| format!(r#"{{"code": "c{idx}", "in_combat": 1}}"#))
        .collect();
    let text = format!(r#"{{"Country": [{}]}}"#, records.join(","));
    let program = program();
    let mut sources = SourceMap::new();
    let source = sources.add("facts.json", text);
    let mut builder = FactsBuilder::new(&program);
    let diagnostics = builder
        .add_text(&sources, source, Format::Json, None)
        .unwrap_err();
    assert_eq!(diagnostics.len(), 101);
    assert_eq!(
        diagnostics[99].message,
        "expected `Bool` for `Country[#100].in_combat`, found a number"
    );
    assert_eq!(
        diagnostics[100].message,
        "50 more problems in the facts are not shown"
    );
    assert_eq!(diagnostics[100].code, Code::FactType);
}

// JSON Lines.

#[test]
fn json_lines_hold_subject_records_by_default() {
    check(
        &[
            ("countries.json", None, COUNTRIES),
            ("items.json", None, r#"{"Item": [{"id": "PAC-3"}]}"#),
            (
                "transfers.jsonl",
                None,
                "{\"id\": \"t1\", \"item\": \"PAC-3\", \"exporter\": \"JP\", \"destination\": \"US\", \"consent\": true, \"date\": \"2024-01-31\"}\r\n\n   \n{\"id\": \"t2\", \"onward\": \"JP\"}",
            ),
        ],
        r#"
        Country[0] code="JP" party_to_conflict=false in_combat=false agreement_since=2014-04-01
        Country[1] code="US" party_to_conflict=false in_combat=? agreement_since=none
        Country[2] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Item[0] id="PAC-3" lethal=? category=? licensed_from=none joint_partners=? count=none sizes=?
        Transfer[0] id="t1" item=->PAC-3 exporter=->JP destination=->US onward=none consent=true date=2024-01-31
        Transfer[1] id="t2" item=? exporter=? destination=? onward=->JP consent=? date=?
        key_refs JP->0 ZZ->2
        "#,
    );
}

#[test]
fn json_lines_report_every_bad_line_and_keep_going() {
    check(
        &[(
            "countries.ndjson",
            Some("Country"),
            "{\"code\": \"JP\"}\n{\"code\": \"US\",}\n[1]\n{\"code\": \"FR\", \"in_combat\": 3}\n{\"code\": \"DE\"} {}\nnope\n{\"code\": \"IT\"}\n",
        )],
        r#"
        E0402 malformed JSON: expected a field name in quotes
        at `}`: found `}`
        E0410 expected a `Country` fact for `Country[#3]`, found an array
        at `[`: expected an object
        E0405 expected `Bool` for `Country[#4].in_combat`, found a number
        at `3`: expected `Bool`
        E0402 malformed JSON: expected the end of the line after the fact
        at `{`: found `{`
        E0402 malformed JSON: expected a value
        at `n`: found `n`
        "#,
    );
}

#[test]
fn empty_json_lines_file_has_no_facts() {
    check(
        &[("transfers.jsonl", None, "")],
        r#"
        Country[0] placeholder code="JP" party_to_conflict=? in_combat=? agreement_since=?
        Country[1] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        key_refs JP->0 ZZ->1
        "#,
    );
}

#[test]
fn json_lines_without_a_record_type_need_one() {
    let mut program = program();
    program.subject = None;
    let mut sources = SourceMap::new();
    let source = sources.add("facts.jsonl", "{}");
    let mut builder = FactsBuilder::new(&program);
    let diagnostics = builder
        .add_text(&sources, source, Format::JsonLines, None)
        .unwrap_err();
    assert_eq!(
        render_diagnostics(&sources, &diagnostics),
        "E0410 JSON Lines facts do not say which record type they hold\n  at ``: records of which type?\n  help: say which record type they hold\n  setting: FactsRecord { example: \"Country\" }\n"
    );
}

#[test]
fn single_json_lines_have_spans_at_their_offset() {
    let program = program();
    let mut sources = SourceMap::new();
    let text = "{\"code\": \"JP\"}\n{\"code\": \"US\", \"in_combat\": \"no\"}\n";
    let source = sources.add("countries.jsonl", text);
    let mut builder = FactsBuilder::new(&program);
    let (first, second) = text.split_once('\n').unwrap();
    builder.add_json_line(first, source, 0, COUNTRY).unwrap();
    builder
        .add_json_line("   ", source, first.len(), COUNTRY)
        .unwrap();
    let diagnostics = builder
        .add_json_line(second, source, first.len() + 1, COUNTRY)
        .unwrap_err();
    assert_eq!(
        render_diagnostics(&sources, &diagnostics),
        "E0405 expected `Bool` for `Country[#2].in_combat`, found text\n  at `\"no\"`: expected `Bool`\n"
    );
    let facts = builder.finish().unwrap();
    assert_eq!(facts.n_rows(COUNTRY), 3);
    assert_eq!(facts.tables[COUNTRY.idx()].n_input_rows, 2);
    assert_eq!(facts.key_text(&program, COUNTRY, 1), Some("US"));
    assert_eq!(
        facts.tables[COUNTRY.idx()].origins[1],
        Some(Span::new(source, 15, 48))
    );
    assert_eq!(facts.tables[COUNTRY.idx()].origins[2], None);
}

// YAML.

#[test]
fn yaml_mapping_of_record_sequences_loads_every_type() {
    check(
        &[(
            "facts.yaml",
            None,
            "\u{feff}Country:\n  - code: JP\n    party_to_conflict: no\n    in_combat: False\n    agreement_since: 2014-04-01\n  - {code: \"US\", in_combat: '?', agreement_since: ~}\nItem:\n  - id: PAC-3\n    category: other\n    joint_partners: [US, JP]\n    count: 7\n    sizes:\n      - 2\n      - 1\nNote:\n  - text: 'it''s 42'\n    weight: -3\n    tags: [\"?\"]\n    grid: [[3, 1, 3]]\n",
        )],
        r#"
        Country[0] code="JP" party_to_conflict=false in_combat=false agreement_since=2014-04-01
        Country[1] code="US" party_to_conflict=? in_combat=? agreement_since=none
        Country[2] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Item[0] id="PAC-3" lethal=? category=other licensed_from=none joint_partners={->JP, ->US} count=7 sizes=[2, 1]
        Note[0] text="it's 42" weight=-3 tags=? grid=[{1, 3}]
        key_refs JP->0 ZZ->2
        "#,
    );
}

#[test]
fn yaml_sequence_holds_the_named_record_type() {
    check(
        &[(
            "countries.yml",
            Some("Country"),
            "- code: JP\n- code: ZZ\n  in_combat: true\n",
        )],
        r#"
        Country[0] code="JP" party_to_conflict=? in_combat=? agreement_since=none
        Country[1] code="ZZ" party_to_conflict=? in_combat=true agreement_since=none
        key_refs JP->0 ZZ->1
        "#,
    );
}

#[test]
fn yaml_problems_have_spans() {
    check(
        &[(
            "facts.yaml",
            None,
            "Contry: []\nCountry:\n  - code: \"日本\"\n    in_combat: maybe\n    agreement_since: \"2023-02-30\"\n    in_combt: 1\n  - code: 日本\n    code: JP\nItem: 5\nNote:\n  - 3\n  - {text: x, weight: 1.5, tags: {a: b}}\n",
        )],
        r#"
        E0403 unknown record type `Contry`
        at `Contry`: not a record type of the policy
        help: a similar name exists: `Country`
        E0405 `maybe` is not a boolean
        at `maybe`: expected `Bool` for `Country[#1].in_combat`
        help: write `true` or `false`
        E0405 `2023-02-30` is not a calendar date
        at `"2023-02-30"`: expected `Date` for `Country[#1].agreement_since`
        E0404 unknown field `in_combt` in `Country[#1]`
        at `in_combt`: `Country` has no such field
        help: a similar name exists: `in_combat`
        E0412 field `code` given twice in `Country[#2]`
        at `code`: given again here
        also `code`: first given here
        help: give each field once
        E0410 expected an array of `Item` facts, found text
        at `5`: expected an array
        E0410 expected a `Note` fact for `Note[#1]`, found text
        at `3`: expected an object
        E0405 `1.5` is not an integer
        at `1.5`: expected `Int` for `Note[#2].weight`
        help: write a whole number without a fraction or an exponent
        E0405 expected `Set<Text>` for `Note[#2].tags`, found an object
        at `{a: b}`: expected `Set<Text>`
        E0407 two `Country` facts have the key `日本`
        at `日本`: `Country[#2].code` repeats it
        also `"日本"`: first given here
        help: keys identify facts: give each `Country` its own key
        "#,
    );
}

#[test]
fn malformed_yaml_is_reported() {
    check(
        &[("facts.yaml", None, "Country:\n  - code: \"JP\n")],
        r#"
        E0402 malformed YAML: while scanning a quoted scalar, found unexpected end of stream
        at `"`: here
        "#,
    );
    check(
        &[("facts.yaml", None, "Country: []\n---\nItem: []\n")],
        r#"
        E0402 malformed YAML: expected one YAML document
        at `-`: a second document starts here
        "#,
    );
    check(
        &[("facts.yaml", None, "Country:\n  - &a {code: JP}\n  - *a\n")],
        r#"
        E0402 malformed YAML: aliases are not supported in facts
        at `*`: an alias
        "#,
    );
    check(
        &[("facts.yaml", None, "# nothing\n")],
        r#"
        E0402 empty facts file
        at `# nothing
        `: the file is empty
        help: write `{}` for a file with no facts
        "#,
    );
    check(
        &[("facts.yaml", None, "- code: JP\n")],
        r#"
        E0410 the facts are an array of records of no named type
        at `-`: records of which type?
        help: say which record type it holds
        setting: FactsRecord { example: "Country" }
        "#,
    );
}

#[test]
fn deep_yaml_is_a_diagnostic_not_a_stack_overflow() {
    let deep = format!("Country: {}", "[".repeat(100_000));
    check(
        &[("facts.yaml", None, &deep)],
        r#"
        E0402 YAML nested deeper than 128 levels
        at `[`: too deep
        help: facts need only a few levels (an object of arrays of records); raise the limit
        setting: FactsNesting
        "#,
    );
}

// CSV.

#[test]
fn csv_rows_are_records_of_the_named_type() {
    check(
        &[
            (
                "countries.csv",
                Some("Country"),
                "\u{feff}code,party_to_conflict,in_combat,agreement_since\r\nJP,No,YES,2014-04-01\r\n\r\nUS,false,?,\r\n\"Z,Z\",,true,?\r\n",
            ),
            (
                "items.csv",
                Some("Item"),
                "id,joint_partners,sizes,category,count,licensed_from\n\"PAC-\"\"3\"\"\", US ; JP;US ,3;1;3,rescue,-4,JP\nx,{},{},other,,\ny,?,,?,?,?\n",
            ),
        ],
        r#"
        Country[0] code="JP" party_to_conflict=false in_combat=true agreement_since=2014-04-01
        Country[1] code="US" party_to_conflict=false in_combat=? agreement_since=none
        Country[2] code="Z,Z" party_to_conflict=? in_combat=true agreement_since=?
        Country[3] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
        Item[0] id="PAC-\"3\"" lethal=? category=rescue licensed_from=->JP joint_partners={->JP, ->US} count=-4 sizes=[3, 1, 3]
        Item[1] id="x" lethal=? category=other licensed_from=none joint_partners={} count=none sizes=[]
        Item[2] id="y" lethal=? category=? licensed_from=? joint_partners=? count=? sizes=?
        key_refs JP->0 ZZ->3
        "#,
    );
}

#[test]
fn csv_header_only_or_empty_has_no_facts() {
    for text in ["", "code,in_combat\n"] {
        check(
            &[("countries.csv", Some("Country"), text)],
            r#"
            Country[0] placeholder code="JP" party_to_conflict=? in_combat=? agreement_since=?
            Country[1] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
            key_refs JP->0 ZZ->1
            "#,
        );
    }
}

#[test]
fn csv_problems_have_spans() {
    check(
        &[(
            "items.csv",
            Some("Item"),
            "id,lethal,joint_partners,lethl,lethal\na,maybe,JP;F R\nb,true,,x,y\n,true,,x,y\nc,1,2\n",
        )],
        r#"
        E0404 unknown field `lethl` in the header of `Item` facts
        at `lethl`: `Item` has no such field
        help: a similar name exists: `lethal`
        E0412 column `lethal` given twice in the header
        at `lethal`: given again here
        also `lethal`: first given here
        help: give each column once
        E0402 malformed CSV: expected 5 cells as in the header, found 3
        at `a,maybe,JP;F R`: this row
        E0408 `Item[#3]` has no key `id`
        at ``: every `Item` needs a `id`
        help: give this fact its `id`: other facts refer to it by key
        E0402 malformed CSV: expected 5 cells as in the header, found 3
        at `c,1,2`: this row
        "#,
    );
    check(
        &[(
            "items.csv",
            Some("Item"),
            "id,lethal,joint_partners\na,maybe,JP;F R\n",
        )],
        r#"
        E0405 `maybe` is not a boolean
        at `maybe`: expected `Bool` for `Item[#1].lethal`
        help: write `true` or `false`
        E0406 no `Country` has the key `JP`
        at `JP`: `Item[#1].joint_partners[0]` refers to it
        help: add a `Country` fact with the key `JP`
        E0406 no `Country` has the key `F R`
        at `F R`: `Item[#1].joint_partners[1]` refers to it
        help: add a `Country` fact with the key `F R`
        "#,
    );
}

#[test]
fn csv_needs_a_record_type_and_its_key_column() {
    check(
        &[("countries.csv", None, "code\nJP\n")],
        r#"
        E0410 CSV facts do not say which record type they hold
        at ``: records of which type?
        help: say which record type it holds
        setting: FactsRecord { example: "Country" }
        "#,
    );
    check(
        &[(
            "countries.csv",
            Some("Country"),
            "in_combat,party_to_conflict\ntrue,false\n",
        )],
        r#"
        E0408 the header has no `code` column
        at `in_combat,party_to_conflict`: `Country` facts need their key `code`
        help: add a `code` column
        "#,
    );
    check(
        &[("countries.csv", Some("Country"), "code\n\"JP\" \n")],
        r#"
        E0402 malformed CSV: expected `,` or a line break after a quoted cell
        at ` `: found ` `
        "#,
    );
    check(
        &[("countries.csv", Some("Country"), "code\n\"JP\n")],
        r#"
        E0402 malformed CSV: unterminated quoted cell
        at `"`: the cell starts here
        "#,
    );
}

// Control characters and text no reader may stop early on.

#[test]
fn a_nul_byte_is_reported_in_every_format_before_anything_is_read() {
    let nul_help = "help: facts are text: a NUL byte is the sign of a binary file, or of one cut short or padded with zeros";
    // yaml-rust2 takes a NUL for the end of the text: the record after it would be dropped.
    check(
        &[(
            "facts.yaml",
            None,
            "Country:\n  - {code: JP}\n\0\n  - {code: US}\n",
        )],
        &format!("E0421 control character U+0000 (NUL) in YAML facts\nat `\0`: not text\n{nul_help}"),
    );
    check(
        &[("facts.json", None, "{\"Country\": []}\0")],
        &format!("E0421 control character U+0000 (NUL) in JSON facts\nat `\0`: not text\n{nul_help}"),
    );
    check(
        &[("facts.jsonl", Some("Country"), "{\"code\": \"JP\"}\n\0")],
        &format!("E0421 control character U+0000 (NUL) in JSON Lines facts\nat `\0`: not text\n{nul_help}"),
    );
    check(
        &[("facts.csv", Some("Country"), "code\nJP\n\0US\n")],
        &format!("E0421 control character U+0000 (NUL) in CSV facts\nat `\0`: not text\n{nul_help}"),
    );
}

#[test]
fn control_characters_are_reported_but_tabs_and_line_ends_are_text() {
    check(
        &[("facts.yaml", None, "Country:\n  - {code: \"J\u{1b}[2KP\"}\n")],
        "E0421 control character U+001B (ESC) in YAML facts\n\
         at `\u{1b}`: not text\n\
         help: facts are text; a value that needs this character can write it as an escape in a quoted JSON or YAML string: `\\u001B`",
    );
    check(
        &[("facts.csv", Some("Country"), "code\nJ\u{85}P\n")],
        "E0421 control character U+0085 in CSV facts\n\
         at `\u{85}`: not text\n\
         help: facts are text; a value that needs this character can write it as an escape in a quoted JSON or YAML string: `\\u0085`",
    );
    check(
        &[(
            "facts.csv",
            Some("Country"),
            "code,in_combat\r\n\"J\tP\",\x7f\r\n",
        )],
        "E0421 control character U+007F (DEL) in CSV facts\n\
         at `\u{7f}`: not text\n\
         help: facts are text; a value that needs this character can write it as an escape in a quoted JSON or YAML string: `\\u007F`",
    );
    let mut sources = SourceMap::new();
    let program = program();
    let mut builder = FactsBuilder::new(&program);
    let source = sources.add("lines.jsonl", "");
    let found = builder
        .add_json_line("{\"code\": \"JP\u{7}\"}", source, 0, COUNTRY)
        .unwrap_err();
    assert_eq!(found[0].code, Code::ControlCharacter);
    assert_eq!(found[0].primary.as_ref().unwrap().span, Span::new(source, 12, 13));
}

#[test]
fn a_yaml_key_past_the_parser_limit_is_named_as_such() {
    let key = "k".repeat(1100);
    let quoted_key = format!("\"{key}\"");
    let help = "YAML reads at most 1024 characters before the `:` of a key, and no record type or field of a policy has a name that long";
    for (text, shown) in [
        (format!("{key}:\n  - code: JP\n"), &key),
        (format!("Country:\n  - code: JP\n    {key}: 1\n"), &key),
        (format!("Country:\n  - {key}: 1\n"), &key),
        (
            format!("Country:\n  - code: JP\n    {quoted_key}: 1\n"),
            &quoted_key,
        ),
    ] {
        check(
            &[("facts.yaml", None, &text)],
            &format!(
                "E0402 malformed YAML: a key longer than 1024 characters\nat `{shown}`: this key is too long\nhelp: {help}"
            ),
        );
    }
}

#[test]
fn a_yaml_parser_that_stops_early_is_an_error() {
    // No text with a NUL reaches the YAML reader; were one to, it must not pass for the whole text.
    let program = program();
    let mut builder = FactsBuilder::new(&program);
    let mut sink = sink::Sink::new();
    let text = "Country:\n  - {code: JP}\n\0\n  - {code: US}\n";
    yaml::load_document(&mut builder, &mut sink, text, SourceId(0), None);
    let found = sink.into_result().unwrap_err();
    assert_eq!(found[0].code, Code::MalformedFacts);
    assert_eq!(
        found[0].message,
        "malformed YAML: the YAML reader stopped before the end of the text"
    );
}

#[test]
fn quoted_text_in_messages_is_cut_and_escaped() {
    let long = "x".repeat(1 << 20);
    let text = format!("{{\"Country\": [{{\"code\": \"JP\", \"{long}\": 1, \"in_c\\u001bmbat\": 1}}]}}");
    let actual = load(&[("facts.json", None, &text)]);
    let lines: Vec<&str> = actual.lines().filter(|line| line.starts_with("E0404")).collect();
    assert_eq!(
        lines,
        [
            format!("E0404 unknown field `{}…` in `Country[#1]`", "x".repeat(80)).as_str(),
            "E0404 unknown field `in_c\\u{1b}mbat` in `Country[#1]`",
        ]
    );
}

// Test facts.

fn test_facts(program: &mut Program, duplicate: bool) -> Vec<TestFact> {
    let mut sym = |text: &str| program.interner.intern(text);
    let (us, jp, pac3, t1) = (sym("US"), sym("JP"), sym("PAC-3"), sym("t1"));
    let fact = |record, fields| TestFact {
        record,
        fields,
        span: span0(),
    };
    let mut facts = vec![
        fact(
            COUNTRY,
            vec![
                TestValue::Scalar(Value::Text(us)),
                TestValue::Scalar(Value::Bool(false)),
                TestValue::Unknown,
                TestValue::Scalar(Value::None),
            ],
        ),
        fact(
            TRANSFER,
            vec![
                TestValue::Scalar(Value::Text(t1)),
                TestValue::Key(ITEM, pac3, span0()),
                TestValue::Key(COUNTRY, jp, span0()),
                TestValue::Key(COUNTRY, us, span0()),
                TestValue::Scalar(Value::None),
                TestValue::Scalar(Value::Bool(true)),
                TestValue::Scalar(Value::Date(Date::parse("2023-12-22").unwrap())),
            ],
        ),
        fact(
            ITEM,
            vec![
                TestValue::Scalar(Value::Text(pac3)),
                TestValue::Scalar(Value::Bool(true)),
                TestValue::Scalar(Value::Variant(5)),
                TestValue::Key(COUNTRY, us, span0()),
                TestValue::Seq(vec![
                    TestValue::Key(COUNTRY, us, span0()),
                    TestValue::Key(COUNTRY, jp, span0()),
                ]),
                TestValue::Scalar(Value::None),
                TestValue::Seq(vec![
                    TestValue::Scalar(Value::Int(2)),
                    TestValue::Scalar(Value::Int(1)),
                ]),
            ],
        ),
        fact(
            COUNTRY,
            vec![
                TestValue::Scalar(Value::Text(jp)),
                TestValue::Scalar(Value::Bool(false)),
                TestValue::Scalar(Value::Bool(false)),
                TestValue::Scalar(Value::None),
            ],
        ),
    ];
    if duplicate {
        facts.push(facts[0].clone());
        facts.push(fact(COUNTRY, vec![TestValue::Unknown; 4]));
    }
    facts
}

#[test]
fn test_facts_load_like_files() {
    let mut program = program();
    let facts = test_facts(&mut program, false);
    let mut builder = FactsBuilder::new(&program);
    builder.add_test_facts(&facts);
    let facts = builder.finish().unwrap();
    assert_eq!(
        normalize(&render_facts(&program, &facts)),
        normalize(
            r#"
            Country[0] code="US" party_to_conflict=false in_combat=? agreement_since=none
            Country[1] code="JP" party_to_conflict=false in_combat=false agreement_since=none
            Country[2] placeholder code="ZZ" party_to_conflict=? in_combat=? agreement_since=?
            Item[0] id="PAC-3" lethal=true category=other licensed_from=->US joint_partners={->US, ->JP} count=none sizes=[2, 1]
            Transfer[0] id="t1" item=->PAC-3 exporter=->JP destination=->US onward=none consent=true date=2023-12-22
            key_refs JP->1 ZZ->2
            "#
        )
    );
}

#[test]
fn test_fact_problems_are_reported_by_finish() {
    let mut program = program();
    let facts = test_facts(&mut program, true);
    let mut builder = FactsBuilder::new(&program);
    builder.add_test_facts(&facts);
    let diagnostics = builder.finish().unwrap_err();
    let messages: Vec<&str> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "two `Country` facts have the key `US`",
            "the key `Country[#4].code` cannot be unknown"
        ]
    );
}

// The API.

#[test]
fn formats_follow_file_extensions() {
    let cases = [
        ("a.json", Some(Format::Json)),
        ("dir.v2/a.JSONL", Some(Format::JsonLines)),
        ("a.ndjson", Some(Format::JsonLines)),
        ("a.yaml", Some(Format::Yaml)),
        ("a.yml", Some(Format::Yaml)),
        ("a.csv", Some(Format::Csv)),
        ("a.txt", None),
        ("json", None),
    ];
    for (path, format) in cases {
        assert_eq!(Format::from_path(path), format, "{path}");
    }
}

#[test]
fn facts_are_read_through_the_accessors() {
    let program = program();
    let mut sources = SourceMap::new();
    let source = sources.add("facts.json", COUNTRIES);
    let mut builder = FactsBuilder::new(&program);
    builder.add_text(&sources, source, Format::Json, None).unwrap();
    let facts = builder.finish().unwrap();
    assert_eq!(facts.n_rows(COUNTRY), 3);
    assert_eq!(facts.n_rows(NOTE), 0);
    assert_eq!(facts.cell(COUNTRY, 0, 2), Some(Value::Bool(false)));
    assert_eq!(facts.cell(COUNTRY, 1, 2), None);
    assert_eq!(facts.cell(COUNTRY, 1, 3), Some(Value::None));
    assert_eq!(facts.key_text(&program, COUNTRY, 2), Some("ZZ"));
    assert_eq!(facts.key_text(&program, NOTE, 0), None);
    let jp = facts.interner.get("JP").unwrap();
    assert_eq!(facts.tables[COUNTRY.idx()].keys[&jp], 0);
    assert_eq!(facts.key_refs, vec![0, 2]);
    assert_eq!(
        sources.snippet(facts.tables[0].origins[1].unwrap()),
        r#"{"code": "US", "party_to_conflict": false, "in_combat": "?"}"#
    );
}

// Speed.

/// 100,000 JSON Lines transfers of about 117 bytes each, with their items and countries.
///
/// Measured in release mode (`cargo test --release --lib facts::tests::loads_many_json_lines`) on one
/// core of a shared two-core virtual machine: loading these 100,000 records takes about 0.07 s.
/// The same shape at 1,000,000 records (117 MB) took about 1.3 s of CPU time there, short of the goal:
/// interning a million distinct keys into `Interner` alone took about 0.43 s in isolation (about
/// 0.36 s with its table reserved up front), and a million keyless records of the same size load in 0.33 s.
#[test]
fn loads_many_json_lines() {
    let program = program();
    let mut sources = SourceMap::new();
    let countries = sources.add("countries.json", COUNTRIES);
    let items: Vec<String> = (0..100)
        .map(|idx| format!(r#"{{"id": "item-{idx}", "lethal": false, "category": "rescue"}}"#))
        .collect();
    let items = sources.add("items.json", format!(r#"{{"Item": [{}]}}"#, items.join(",")));
    let mut text = String::new();
    let n_transfers = 100_000;
    for idx in 0..n_transfers {
        let (from, to) = if idx % 3 == 0 { ("JP", "US") } else { ("US", "JP") };
        text.push_str(&format!(
            "{{\"id\": \"t-{idx:07}\", \"item\": \"item-{}\", \"exporter\": \"{from}\", \"destination\": \"{to}\", \"consent\": {}, \"date\": \"2024-01-{:02}\"}}\n",
            idx % 100,
            idx % 2 == 0,
            idx % 28 + 1,
        ));
    }
    let transfers = sources.add("transfers.jsonl", text);
    let mut builder = FactsBuilder::new(&program);
    builder.add_text(&sources, countries, Format::Json, None).unwrap();
    builder.add_text(&sources, items, Format::Json, None).unwrap();
    builder
        .add_text(&sources, transfers, Format::JsonLines, None)
        .unwrap();
    let facts = builder.finish().unwrap();
    assert_eq!(facts.n_rows(TRANSFER), n_transfers);
    assert_eq!(facts.key_text(&program, TRANSFER, 99_999), Some("t-0099999"));
    assert_eq!(facts.cell(TRANSFER, 3, 1), Some(Value::Record(3)));
    assert_eq!(facts.cell(TRANSFER, 3, 2), Some(Value::Record(0)));
    assert_eq!(facts.cell(TRANSFER, 3, 3), Some(Value::Record(1)));
    assert_eq!(
        facts.cell(TRANSFER, 3, 6),
        Some(Value::Date(Date::parse("2024-01-04").unwrap()))
    );
}

#[test]
fn line_ends_are_found_across_word_boundaries() {
    for len in 0..40 {
        for newline in 0..len {
            let mut bytes = vec![b'x'; len];
            bytes[newline] = b'\n';
            if newline + 3 < len {
                bytes[newline + 3] = b'\n';
            }
            assert_eq!(json::find_newline(&bytes, 0), newline, "{len} {newline}");
            assert_eq!(
                json::find_newline(&bytes, newline + 1),
                if newline + 3 < len { newline + 3 } else { len }
            );
        }
        assert_eq!(json::find_newline(&vec![0xffu8; len], 0), len);
    }
}
