//! A validator for the subset of JSON Schema that Pol's documented schemas use
//! (`docs/decisions.schema.json`, `docs/diagnostics.schema.json`); a keyword it does not know
//! panics, so a schema cannot silently stop being checked.

use serde_json::{Value as Json, json};

/// Why `value` does not match `schema` (`None` when it does); `root` resolves `$ref`s.
pub fn violation(root: &Json, schema: &Json, value: &Json, at: &str) -> Option<String> {
    let schema = schema.as_object().expect("a schema is an object");
    for (keyword, rule) in schema {
        let problem = match keyword.as_str() {
            "$schema" | "$id" | "$defs" | "title" | "description" | "minItems" | "maxItems" => None,
            "$ref" => {
                let name = rule.as_str().unwrap().strip_prefix("#/$defs/").unwrap();
                let target = &root["$defs"][name];
                assert!(target.is_object(), "no definition `{name}`");
                violation(root, target, value, at)
            }
            "type" => {
                let types: Vec<&str> = match rule {
                    Json::String(one) => vec![one.as_str()],
                    Json::Array(many) => many.iter().map(|ty| ty.as_str().unwrap()).collect(),
                    _ => panic!("`type` is a string or an array"),
                };
                let fits = |ty: &str| match ty {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "boolean" => value.is_boolean(),
                    "integer" => value.is_i64() || value.is_u64(),
                    "null" => value.is_null(),
                    other => panic!("type `{other}` is not in the subset"),
                };
                (!types.iter().any(|ty| fits(ty))).then(|| format!("{at}: {value} is not of type {rule}"))
            }
            "const" => (value != rule).then(|| format!("{at}: {value} is not {rule}")),
            "enum" => (!rule.as_array().unwrap().contains(value))
                .then(|| format!("{at}: {value} is not one of {rule}")),
            "minimum" => value
                .as_i64()
                .filter(|n| *n < rule.as_i64().unwrap())
                .map(|n| format!("{at}: {n} is below {rule}")),
            "format" => {
                assert_eq!(rule, "date", "format `{rule}` is not in the subset");
                value.as_str().and_then(|text| {
                    let bytes = text.as_bytes();
                    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
                    let ok = bytes.len() == 10
                        && digits(0..4)
                        && bytes[4] == b'-'
                        && digits(5..7)
                        && bytes[7] == b'-'
                        && digits(8..10);
                    (!ok).then(|| format!("{at}: {text:?} is not a YYYY-MM-DD date"))
                })
            }
            "properties" => value.as_object().and_then(|object| {
                rule.as_object().unwrap().iter().find_map(|(name, property)| {
                    object
                        .get(name)
                        .and_then(|field| violation(root, property, field, &format!("{at}.{name}")))
                })
            }),
            "required" => value.as_object().and_then(|object| {
                rule.as_array()
                    .unwrap()
                    .iter()
                    .map(|name| name.as_str().unwrap())
                    .find(|name| !object.contains_key(*name))
                    .map(|name| format!("{at}: field `{name}` is missing"))
            }),
            "additionalProperties" => {
                assert_eq!(
                    rule,
                    &json!(false),
                    "only `additionalProperties: false` is in the subset"
                );
                let known = schema.get("properties").and_then(Json::as_object);
                value.as_object().and_then(|object| {
                    object
                        .keys()
                        .find(|name| !known.is_some_and(|known| known.contains_key(*name)))
                        .map(|name| format!("{at}: field `{name}` is not documented"))
                })
            }
            "items" => value.as_array().and_then(|items| {
                items
                    .iter()
                    .enumerate()
                    .find_map(|(idx, item)| violation(root, rule, item, &format!("{at}[{idx}]")))
            }),
            "anyOf" | "oneOf" => {
                let options = rule.as_array().unwrap();
                let matching = options
                    .iter()
                    .filter(|option| violation(root, option, value, at).is_none())
                    .count();
                match (keyword.as_str(), matching) {
                    (_, 0) => {
                        let reasons: Vec<String> = options
                            .iter()
                            .filter_map(|option| violation(root, option, value, at))
                            .collect();
                        Some(format!(
                            "{at}: {value} matches none of {keyword}: {}",
                            reasons.join("; ")
                        ))
                    }
                    ("oneOf", 2..) => Some(format!("{at}: {value} matches {matching} options of oneOf")),
                    _ => None,
                }
            }
            other => panic!("keyword `{other}` is not in the subset this validator knows"),
        };
        if problem.is_some() {
            return problem;
        }
        if let ("minItems" | "maxItems", Some(items)) = (keyword.as_str(), value.as_array()) {
            let bound = rule.as_u64().unwrap() as usize;
            let out = if keyword == "minItems" {
                items.len() < bound
            } else {
                items.len() > bound
            };
            if out {
                return Some(format!("{at}: {} items, {keyword} {bound}", items.len()));
            }
        }
    }
    None
}
