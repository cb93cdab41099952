//! Cedar: the ten rules of `policies/reference.cedar`, the countries and items as entities
//! loaded beforehand, and each transfer built into a request (exporter as principal, item as
//! resource, the rest in the context) and authorised.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};

use crate::Peer;
use crate::workload::{Country, Item, Outcome, Transfer, rule_bit};

/// Parses the policy text.
pub fn parse_policies(text: &str) -> Result<PolicySet, String> {
    PolicySet::from_str(text).map_err(|err| format!("cedar policies: {err}"))
}

/// Parses the schema and checks the policies against it.
pub fn validate(schema_text: &str, policies: &PolicySet) -> Result<Schema, String> {
    let (schema, _warnings) =
        Schema::from_cedarschema_str(schema_text).map_err(|err| format!("cedar schema: {err}"))?;
    let result = Validator::new(schema.clone()).validate(policies, ValidationMode::Strict);
    if !result.validation_passed() {
        let errors: Vec<String> = result.validation_errors().map(|err| err.to_string()).collect();
        return Err(format!("cedar validation: {}", errors.join("; ")));
    }
    Ok(schema)
}

fn type_name(name: &str) -> Result<EntityTypeName, String> {
    EntityTypeName::from_str(name).map_err(|err| format!("cedar type `{name}`: {err}"))
}

fn uid(ty: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
}

/// Cedar's authoriser with the policies and entities.
pub struct CedarPeer {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    /// The bit in [`Outcome::rules`] of each policy, by its id.
    bits: HashMap<PolicyId, u16>,
    country: EntityTypeName,
    item: EntityTypeName,
    action: EntityUid,
}

impl CedarPeer {
    /// Builds the country and item entities, checked against the schema; every policy must carry
    /// an `@id` annotation naming one of the oracle's rules.
    pub fn new(
        policies: PolicySet,
        schema: &Schema,
        countries: &[Country],
        items: &[Item],
    ) -> Result<CedarPeer, String> {
        let bits = policies
            .policies()
            .map(|policy| {
                let id = policy
                    .annotation("id")
                    .ok_or_else(|| format!("cedar policy `{}` has no `@id`", policy.id()))?;
                let bit = rule_bit(id).ok_or_else(|| format!("cedar `@id` `{id}` is not in the oracle"))?;
                Ok((policy.id().clone(), bit))
            })
            .collect::<Result<_, String>>()?;
        let country = type_name("Country")?;
        let item = type_name("Item")?;
        let action = uid(&type_name("Action")?, "transfer");
        let mut entities = Vec::with_capacity(countries.len() + items.len());
        for record in countries {
            let mut attrs = HashMap::from([
                (
                    "in_conflict".to_string(),
                    RestrictedExpression::new_bool(record.in_conflict),
                ),
                (
                    "security_partner".to_string(),
                    RestrictedExpression::new_bool(record.security_partner),
                ),
            ]);
            if let Some(day) = record.embargo_since {
                attrs.insert("embargo_since".to_string(), RestrictedExpression::new_long(day));
            }
            if let Some(day) = record.agreement_since {
                attrs.insert("agreement_since".to_string(), RestrictedExpression::new_long(day));
            }
            let entity = Entity::new(uid(&country, &record.code), attrs, HashSet::new())
                .map_err(|err| format!("cedar country `{}`: {err}", record.code))?;
            entities.push(entity);
        }
        for record in items {
            let mut attrs = HashMap::from([
                (
                    "lethal".to_string(),
                    RestrictedExpression::new_bool(record.lethal),
                ),
                (
                    "category".to_string(),
                    RestrictedExpression::new_string(record.category.clone()),
                ),
                (
                    "joint_partners".to_string(),
                    RestrictedExpression::new_set(
                        record
                            .joint_partners
                            .iter()
                            .map(|code| RestrictedExpression::new_entity_uid(uid(&country, code))),
                    ),
                ),
                (
                    "is_component".to_string(),
                    RestrictedExpression::new_bool(record.is_component),
                ),
            ]);
            if let Some(code) = &record.licensed_from {
                attrs.insert(
                    "licensed_from".to_string(),
                    RestrictedExpression::new_entity_uid(uid(&country, code)),
                );
            }
            let entity = Entity::new(uid(&item, &record.id), attrs, HashSet::new())
                .map_err(|err| format!("cedar item `{}`: {err}", record.id))?;
            entities.push(entity);
        }
        let entities = Entities::from_entities(entities, Some(schema))
            .map_err(|err| format!("cedar entities: {err}"))?;
        Ok(CedarPeer {
            authorizer: Authorizer::new(),
            policies,
            entities,
            bits,
            country,
            item,
            action,
        })
    }

    fn request(&self, transfer: &Transfer) -> Result<Request, String> {
        let mut context = Vec::with_capacity(4);
        context.push((
            "destination".to_string(),
            RestrictedExpression::new_entity_uid(uid(&self.country, &transfer.destination)),
        ));
        if let Some(onward) = &transfer.onward {
            context.push((
                "onward".to_string(),
                RestrictedExpression::new_entity_uid(uid(&self.country, onward)),
            ));
        }
        context.push((
            "consent".to_string(),
            RestrictedExpression::new_bool(transfer.consent),
        ));
        context.push(("date".to_string(), RestrictedExpression::new_long(transfer.date)));
        let context = Context::from_pairs(context).map_err(|err| format!("cedar context: {err}"))?;
        Request::new(
            uid(&self.country, &transfer.exporter),
            self.action.clone(),
            uid(&self.item, &transfer.item),
            context,
            None,
        )
        .map_err(|err| format!("cedar request: {err}"))
    }
}

impl Peer for CedarPeer {
    fn decide(&mut self, row: usize, transfer: &Transfer) -> Result<Outcome, String> {
        let request = self.request(transfer)?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &self.entities);
        let diagnostics = response.diagnostics();
        if let Some(err) = diagnostics.errors().next() {
            return Err(format!("cedar, transfer {row}: {err}"));
        }
        let mut rules = 0;
        for id in diagnostics.reason() {
            rules |= self
                .bits
                .get(id)
                .ok_or_else(|| format!("cedar, transfer {row}: unknown policy `{id}`"))?;
        }
        Ok(Outcome {
            allow: response.decision() == Decision::Allow,
            rules,
        })
    }

    fn build_request(&self, transfer: &Transfer) -> Result<(), String> {
        black_box(self.request(transfer)?);
        Ok(())
    }
}
