//! Tests of loading nested records (keyless records held by a field): each reader writes them
//! inline, stores them as rows of their own table that know their parent, and names them by path.

use super::*;

/// The schema of these tests, through the real parser and checker.
const SCHEMA: &str = r#"policy "Nested records"

record Approval {
  nsc: Bool
  cabinet: Bool?
  signatory: Signatory?
}

record Signatory {
  name: Text
  office: Country?
  tags: Set<Text>
}

record Country key code {
  code: Text
}

record Transfer key id {
  id: Text
  destination: Country
  government_approval: Approval
  review: Approval?
}

decide t: Transfer
default deny because "no rule permits"

test "facts" {
  Country { code: "US" }
  Transfer { id: "t1", destination: "US", government_approval: Approval { nsc: true, signatory: Signatory { name: "A", office: "US", tags: {"x"} } } }
  Transfer { id: "t2", destination: "US", review: Approval { nsc: unknown, cabinet: none } }
}
"#;

fn nested_program() -> Program {
    let mut sources = SourceMap::new();
    let source = sources.add("schema.pol", SCHEMA);
    let module = crate::syntax::parse(&sources, source).unwrap();
    crate::check::check(&[module]).unwrap().program
}

/// Every row, then for each row of a nested record type the field that holds it.
fn render_nested(program: &Program, facts: &Facts) -> String {
    let mut out = render_facts(program, facts);
    for (idx, def) in program.records.iter().enumerate() {
        let record = RecordId(idx as u32);
        for row in 0..facts.n_rows(record) {
            if let Some(parent) = facts.parent(record, row) {
                let holder = &program.records[parent.record.idx()];
                out.push_str(&format!(
                    "{}[{row}] in {}[{}].{}\n",
                    def.name, holder.name, parent.row, holder.fields[parent.field as usize].name
                ));
            }
        }
    }
    out
}

fn load_nested(inputs: &[(&str, Option<&str>, &str)]) -> String {
    load_with(&nested_program(), inputs, render_nested)
}

fn check_nested(inputs: &[(&str, Option<&str>, &str)], expected: &str) {
    let actual = load_nested(inputs);
    assert_eq!(normalize(&actual), normalize(expected), "\nactual:\n{actual}");
}

/// What every reader gives for the same three transfers: an approval with a signatory, an
/// absent approval with a review whose `nsc` is unknown, and an unknown cabinet.
const LOADED: &str = r#"
    Approval[0] nsc=true cabinet=none signatory=->#0
    Approval[1] nsc=? cabinet=none signatory=none
    Approval[2] nsc=false cabinet=? signatory=none
    Signatory[0] name="A" office=->US tags={"x", "y"}
    Country[0] code="US"
    Transfer[0] id="t1" destination=->US government_approval=->#0 review=none
    Transfer[1] id="t2" destination=->US government_approval=? review=->#1
    Transfer[2] id="t3" destination=->US government_approval=->#2 review=none
    key_refs
    Approval[0] in Transfer[0].government_approval
    Approval[1] in Transfer[1].review
    Approval[2] in Transfer[2].government_approval
    Signatory[0] in Approval[0].signatory
"#;

#[test]
fn json_objects_load_as_nested_rows_that_know_their_parent() {
    check_nested(
        &[(
            "facts.json",
            None,
            r#"{"Transfer": [
              {"id": "t1", "destination": "US", "government_approval": {"nsc": true, "signatory": {"name": "A", "office": "US", "tags": ["y", "x"]}}},
              {"id": "t2", "destination": "US", "government_approval": null, "review": {"nsc": "?", "cabinet": null}},
              {"id": "t3", "destination": "US", "government_approval": {"nsc": false, "cabinet": "?"}}
            ],
            "Country": [{"code": "US"}]}"#,
        )],
        LOADED,
    );
}

#[test]
fn json_lines_objects_load_as_nested_rows() {
    check_nested(
        &[
            ("countries.json", None, r#"{"Country": [{"code": "US"}]}"#),
            (
                "transfers.jsonl",
                Some("Transfer"),
                concat!(
                    r#"{"id": "t1", "destination": "US", "government_approval": {"nsc": true, "signatory": {"name": "A", "office": "US", "tags": ["x", "y"]}}}"#,
                    "\n",
                    r#"{"id": "t2", "destination": "US", "review": {"nsc": "?"}}"#,
                    "\n",
                    r#"{"id": "t3", "destination": "US", "government_approval": {"nsc": false, "cabinet": "?"}}"#,
                    "\n"
                ),
            ),
        ],
        LOADED,
    );
}

#[test]
fn yaml_mappings_load_as_nested_rows() {
    check_nested(
        &[(
            "facts.yaml",
            None,
            "Country:\n  - code: US\nTransfer:\n  - id: t1\n    destination: US\n    government_approval:\n      nsc: yes\n      signatory: {name: A, office: US, tags: [x, y]}\n  - id: t2\n    destination: US\n    government_approval: ~\n    review: {nsc: '?', cabinet: null}\n  - id: t3\n    destination: US\n    government_approval: {nsc: false, cabinet: \"?\"}\n",
        )],
        LOADED,
    );
}

#[test]
fn csv_dotted_columns_load_as_nested_rows() {
    check_nested(
        &[
            ("countries.csv", Some("Country"), "code\nUS\n"),
            (
                "transfers.csv",
                Some("Transfer"),
                "id,destination,government_approval.nsc,government_approval.cabinet,government_approval.signatory.name,government_approval.signatory.office,government_approval.signatory.tags,review.nsc,review.cabinet\nt1,US,true,,A,US,x;y,,\nt2,US,,,,,,?,\nt3,US,false,?,,,,,\n",
            ),
        ],
        LOADED,
    );
}

#[test]
fn test_facts_load_as_nested_rows() {
    let program = nested_program();
    let mut builder = FactsBuilder::new(&program);
    builder.add_test_facts(&program.tests[0].facts);
    let facts = builder.finish().unwrap();
    assert_eq!(
        normalize(&render_nested(&program, &facts)),
        normalize(
            r#"
            Approval[0] nsc=true cabinet=none signatory=->#0
            Approval[1] nsc=? cabinet=none signatory=none
            Signatory[0] name="A" office=->US tags={"x"}
            Country[0] code="US"
            Transfer[0] id="t1" destination=->US government_approval=->#0 review=none
            Transfer[1] id="t2" destination=->US government_approval=? review=->#1
            key_refs
            Approval[0] in Transfer[0].government_approval
            Approval[1] in Transfer[1].review
            Signatory[0] in Approval[0].signatory
            "#
        )
    );
}

#[test]
fn json_problems_inside_nested_objects_name_the_path_through_the_parent() {
    check_nested(
        &[(
            "facts.json",
            None,
            r#"{"Approval": [], "Country": [{"code": "US"}], "Transfer": [
              {"id": "t1", "destination": {"code": "US"}, "government_approval": {"nsc": 1, "signatory": {"name": "A", "nmae": "B", "office": "UX"}}},
              {"id": "t2", "destination": "US", "government_approval": "yes", "review": [true]}
            ]}"#,
        )],
        r#"
        E0413 `Approval` is a nested record type and has no facts of its own
        at `"Approval"`: facts of `Approval` given on their own
        help: write each `Approval` inside the fact that holds it, as an object in `Transfer.government_approval`, `Transfer.review`
        E0414 `Transfer[#1].destination` is not a nested record, but an object is written for it
        at `{"code": "US"}`: expected `Country`
        help: `Country` has a key: write the key of a `Country` fact as a string, and the fact itself among the `Country` facts
        E0405 expected `Bool` for `Transfer[#1].government_approval.nsc`, found a number
        at `1`: expected `Bool`
        E0404 unknown field `nmae` in `Transfer[#1].government_approval.signatory`
        at `"nmae"`: `Signatory` has no such field
        help: a similar name exists: `name`
        E0405 expected `Approval` for `Transfer[#2].government_approval`, found text
        at `"yes"`: expected `Approval`
        help: write the `Approval` inline, as an object of its fields (in CSV, as columns `government_approval.FIELD`)
        E0405 expected `Approval?` for `Transfer[#2].review`, found an array
        at `[true]`: expected `Approval?`
        help: write the `Approval` inline, as an object of its fields (in CSV, as columns `review.FIELD`)
        E0406 no `Country` has the key `UX`
        at `"UX"`: `Transfer[#1].government_approval.signatory.office` refers to it
        help: a similar key exists: `US`
        "#,
    );
}

#[test]
fn dangling_reference_inside_a_nested_object_names_its_path() {
    check_nested(
        &[(
            "facts.json",
            None,
            r#"{"Country": [{"code": "US"}], "Transfer": [
              {"id": "t1", "destination": "US", "government_approval": {"nsc": true, "signatory": {"name": "A", "office": "UX"}}}
            ]}"#,
        )],
        r#"
        E0406 no `Country` has the key `UX`
        at `"UX"`: `Transfer[#1].government_approval.signatory.office` refers to it
        help: a similar key exists: `US`
        "#,
    );
}

#[test]
fn a_field_given_twice_in_a_nested_object_and_again_in_its_parent_is_reported_in_each() {
    check_nested(
        &[(
            "facts.json",
            None,
            r#"{"Country": [{"code": "US"}], "Transfer": [
              {"id": "t1", "government_approval": {"nsc": true, "nsc": false}, "destination": "US", "id": "t2"}
            ]}"#,
        )],
        r#"
        E0412 field `nsc` given twice in `Transfer[#1].government_approval`
        at `"nsc"`: given again here
        also `"nsc"`: first given here
        help: give each field once
        E0412 field `id` given twice in `Transfer[#1]`
        at `"id"`: given again here
        also `"id"`: first given here
        help: give each field once
        "#,
    );
}

#[test]
fn yaml_problems_inside_nested_mappings_name_the_path_through_the_parent() {
    check_nested(
        &[(
            "facts.yaml",
            None,
            "Approval: []\nCountry:\n  - code: US\nTransfer:\n  - id: t1\n    destination: {code: US}\n    government_approval:\n      nsc: maybe\n      signatory: {name: A, nmae: B}\n",
        )],
        r#"
        E0413 `Approval` is a nested record type and has no facts of its own
        at `Approval`: facts of `Approval` given on their own
        help: write each `Approval` inside the fact that holds it, as an object in `Transfer.government_approval`, `Transfer.review`
        E0414 `Transfer[#1].destination` is not a nested record, but an object is written for it
        at `{code: US}`: expected `Country`
        help: `Country` has a key: write the key of a `Country` fact as a string, and the fact itself among the `Country` facts
        E0405 `maybe` is not a boolean
        at `maybe`: expected `Bool` for `Transfer[#1].government_approval.nsc`
        help: write `true` or `false`
        E0404 unknown field `nmae` in `Transfer[#1].government_approval.signatory`
        at `nmae`: `Signatory` has no such field
        help: a similar name exists: `name`
        "#,
    );
}

#[test]
fn csv_header_problems_with_dotted_columns_are_reported() {
    check_nested(
        &[
            ("countries.csv", Some("Country"), "code\nUS\n"),
            (
                "transfers.csv",
                Some("Transfer"),
                "id,destination.code,government_approval.nsc,government_approval.nsx,government_approval,review.signatory.name\nt1,US,maybe,,,B\n",
            ),
        ],
        r#"
        E0414 column `destination.code` reads into `Transfer.destination`, which is not a nested record
        at `destination.code`: `destination` is a `Country`
        help: only a field whose type is a record without a key has columns `FIELD.SUBFIELD`; name the column `destination`
        E0404 unknown field `nsx` of `Approval` in the column `government_approval.nsx`
        at `government_approval.nsx`: `Approval` has no such field
        help: a similar name exists: `nsc`
        E0405 `maybe` is not a boolean
        at `maybe`: expected `Bool` for `Transfer[#1].government_approval.nsc`
        help: write `true` or `false`
        "#,
    );
}

#[test]
fn csv_nested_record_with_only_empty_cells_is_absent() {
    check_nested(
        &[
            ("countries.csv", Some("Country"), "code\nUS\n"),
            (
                "transfers.csv",
                Some("Transfer"),
                "id,destination,government_approval.nsc,review.nsc,review.signatory.name\nt1,US,,,\nt2,US,?,,A\n",
            ),
        ],
        r#"
        Approval[0] nsc=? cabinet=none signatory=none
        Approval[1] nsc=? cabinet=none signatory=->#0
        Signatory[0] name="A" office=none tags=?
        Country[0] code="US"
        Transfer[0] id="t1" destination=->US government_approval=? review=none
        Transfer[1] id="t2" destination=->US government_approval=->#0 review=->#1
        key_refs
        Approval[0] in Transfer[1].government_approval
        Approval[1] in Transfer[1].review
        Signatory[0] in Approval[1].signatory
        "#,
    );
}

#[test]
fn csv_column_of_a_nested_record_itself_makes_it_unknown_or_conflicts_with_its_fields() {
    check_nested(
        &[
            ("countries.csv", Some("Country"), "code\nUS\n"),
            (
                "transfers.csv",
                Some("Transfer"),
                "id,destination,government_approval,government_approval.nsc,review.nsc,review\nt1,US,?,,true,\nt2,US,,false,,?\n",
            ),
        ],
        r#"
        Approval[0] nsc=true cabinet=none signatory=none
        Approval[1] nsc=false cabinet=none signatory=none
        Country[0] code="US"
        Transfer[0] id="t1" destination=->US government_approval=? review=->#0
        Transfer[1] id="t2" destination=->US government_approval=->#1 review=?
        key_refs
        Approval[0] in Transfer[0].review
        Approval[1] in Transfer[1].government_approval
        "#,
    );
    check_nested(
        &[
            ("countries.csv", Some("Country"), "code\nUS\n"),
            (
                "transfers.csv",
                Some("Transfer"),
                "id,destination,government_approval.nsc,government_approval,government_approval\nt1,US,true,?,yes\n",
            ),
        ],
        r#"
        E0412 column `government_approval` given twice in the header
        at `government_approval`: given again here
        also `government_approval.nsc`: first given here
        help: give each column once
        E0412 field `government_approval` given twice in `Transfer[#1]`
        at `true`: given again here
        also `?`: first given here
        help: give each field once
        "#,
    );
}

#[test]
fn facts_of_a_nested_record_type_alone_are_reported() {
    check_nested(
        &[("approvals.csv", Some("Approval"), "nsc\ntrue\n")],
        r#"
        E0413 `Approval` is a nested record type and has no facts of its own
        at ``: facts of `Approval` given on their own
        help: write each `Approval` inside the fact that holds it, as an object in `Transfer.government_approval`, `Transfer.review`
        "#,
    );
}

#[test]
fn a_record_broken_off_inside_a_nested_object_leaves_no_nested_rows() {
    let program = nested_program();
    let mut sources = SourceMap::new();
    let text = "{\"id\": \"t1\", \"destination\": \"US\", \"government_approval\": {\"nsc\": true, \"signatory\": {\"name\": \n{\"id\": \"t2\", \"destination\": \"US\", \"government_approval\": {\"nsc\": false}}\n";
    let source = sources.add("transfers.jsonl", text);
    let mut builder = FactsBuilder::new(&program);
    let country = sources.add("countries.json", r#"{"Country": [{"code": "US"}]}"#);
    builder.add_text(&sources, country, Format::Json, None).unwrap();
    let transfer = program.record("Transfer").unwrap();
    let diagnostics = builder
        .add_text(&sources, source, Format::JsonLines, Some(transfer))
        .unwrap_err();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let facts = builder.finish().unwrap();
    assert_eq!(
        normalize(&render_nested(&program, &facts)),
        normalize(
            r#"
            Approval[0] nsc=false cabinet=none signatory=none
            Country[0] code="US"
            Transfer[0] id="t2" destination=->US government_approval=->#0 review=none
            key_refs
            Approval[0] in Transfer[0].government_approval
            "#
        )
    );
}
