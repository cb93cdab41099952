//! Rego through regorus: the ten rules of `policies/reference.rego`, the countries and items as
//! `data` loaded beforehand, and each transfer built into an `input` document and decided, by the
//! tree-walking interpreter and by the bytecode VM (RVM).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Rc, Value};

use crate::Peer;
use crate::workload::{Country, Item, Outcome, Transfer, rule_bit};

/// The rule each engine evaluates: an object with `allow` and `rules`.
pub const ENTRY: &str = "data.reference.decision";

/// Builds the interpreter's engine with the policy parsed.
pub fn parse_policy(text: &str) -> Result<Engine, String> {
    let mut engine = Engine::new();
    engine
        .add_policy("reference.rego".to_string(), text.to_string())
        .map_err(|err| format!("rego policy: {err}"))?;
    Ok(engine)
}

/// Parses the policy and compiles it to a VM program for [`ENTRY`].
pub fn compile_program(text: &str) -> Result<Arc<Program>, String> {
    let mut engine = parse_policy(text)?;
    let compiled = engine
        .compile_with_entrypoint(&Rc::from(ENTRY))
        .map_err(|err| format!("rego compile: {err}"))?;
    Compiler::compile_from_policy(&compiled, &[ENTRY]).map_err(|err| format!("rego vm compile: {err}"))
}

/// The facts as `data`: `countries` by code and `items` by id; dates are day numbers.
pub fn data(countries: &[Country], items: &[Item]) -> Value {
    let mut by_code = serde_json::Map::new();
    for country in countries {
        let mut record = serde_json::Map::new();
        record.insert("in_conflict".into(), country.in_conflict.into());
        record.insert("security_partner".into(), country.security_partner.into());
        if let Some(day) = country.embargo_since {
            record.insert("embargo_since".into(), day.into());
        }
        if let Some(day) = country.agreement_since {
            record.insert("agreement_since".into(), day.into());
        }
        by_code.insert(country.code.clone(), record.into());
    }
    let mut by_id = serde_json::Map::new();
    for item in items {
        let mut record = serde_json::Map::new();
        record.insert("lethal".into(), item.lethal.into());
        record.insert("category".into(), item.category.clone().into());
        if let Some(code) = &item.licensed_from {
            record.insert("licensed_from".into(), code.clone().into());
        }
        record.insert("joint_partners".into(), item.joint_partners.clone().into());
        record.insert("is_component".into(), item.is_component.into());
        by_id.insert(item.id.clone(), record.into());
    }
    let mut data = serde_json::Map::new();
    data.insert("countries".into(), by_code.into());
    data.insert("items".into(), by_id.into());
    Value::from(serde_json::Value::from(data))
}

/// The keys of the input and of the decision, made once.
struct Keys {
    item: Value,
    exporter: Value,
    destination: Value,
    onward: Value,
    consent: Value,
    date: Value,
    allow: Value,
    rules: Value,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            item: Value::from("item"),
            exporter: Value::from("exporter"),
            destination: Value::from("destination"),
            onward: Value::from("onward"),
            consent: Value::from("consent"),
            date: Value::from("date"),
            allow: Value::from("allow"),
            rules: Value::from("rules"),
        }
    }

    /// The transfer as an `input` document.
    fn input(&self, transfer: &Transfer) -> Value {
        let mut input = BTreeMap::new();
        input.insert(self.item.clone(), Value::from(transfer.item.as_str()));
        input.insert(self.exporter.clone(), Value::from(transfer.exporter.as_str()));
        input.insert(
            self.destination.clone(),
            Value::from(transfer.destination.as_str()),
        );
        if let Some(onward) = &transfer.onward {
            input.insert(self.onward.clone(), Value::from(onward.as_str()));
        }
        input.insert(self.consent.clone(), Value::from(transfer.consent));
        input.insert(self.date.clone(), Value::from(transfer.date));
        Value::from(input)
    }

    /// The decision object read back as an outcome.
    fn outcome(&self, row: usize, decision: &Value) -> Result<Outcome, String> {
        let allow = *decision[&self.allow]
            .as_bool()
            .map_err(|_| format!("rego, transfer {row}: `allow` is not a boolean in {decision}"))?;
        let ids = decision[&self.rules]
            .as_set()
            .map_err(|_| format!("rego, transfer {row}: `rules` is not a set in {decision}"))?;
        let mut rules = 0;
        for id in ids.iter() {
            let id = id
                .as_string()
                .map_err(|_| format!("rego, transfer {row}: a rule id is not text"))?;
            rules |= rule_bit(id).ok_or_else(|| format!("rego, transfer {row}: unknown rule `{id}`"))?;
        }
        Ok(Outcome { allow, rules })
    }
}

/// The tree-walking interpreter (`Engine::eval_rule`).
pub struct RegoInterpreter {
    engine: Engine,
    keys: Keys,
}

impl RegoInterpreter {
    /// Adds the facts to an engine holding the policy.
    pub fn new(mut engine: Engine, data: Value) -> Result<RegoInterpreter, String> {
        engine.add_data(data).map_err(|err| format!("rego data: {err}"))?;
        Ok(RegoInterpreter {
            engine,
            keys: Keys::new(),
        })
    }
}

impl Peer for RegoInterpreter {
    fn decide(&mut self, row: usize, transfer: &Transfer) -> Result<Outcome, String> {
        self.engine.set_input(self.keys.input(transfer));
        let decision = self
            .engine
            .eval_rule(ENTRY.to_string())
            .map_err(|err| format!("rego, transfer {row}: {err}"))?;
        self.keys.outcome(row, &decision)
    }

    fn build_request(&self, transfer: &Transfer) -> Result<(), String> {
        black_box(self.keys.input(transfer));
        Ok(())
    }
}

/// The bytecode VM (`RegoVM`) running the compiled program.
pub struct RegoVm {
    vm: RegoVM,
    keys: Keys,
}

impl RegoVm {
    /// Loads the program and the facts into a VM.
    pub fn new(program: Arc<Program>, data: Value) -> Result<RegoVm, String> {
        let mut vm = RegoVM::new();
        vm.load_program(program);
        vm.set_data(data).map_err(|err| format!("rego vm data: {err}"))?;
        Ok(RegoVm {
            vm,
            keys: Keys::new(),
        })
    }
}

impl Peer for RegoVm {
    fn decide(&mut self, row: usize, transfer: &Transfer) -> Result<Outcome, String> {
        self.vm.set_input(self.keys.input(transfer));
        let decision = self
            .vm
            .execute_entry_point_by_index(0)
            .map_err(|err| format!("rego vm, transfer {row}: {err}"))?;
        self.keys.outcome(row, &decision)
    }

    fn build_request(&self, transfer: &Transfer) -> Result<(), String> {
        black_box(self.keys.input(transfer));
        Ok(())
    }
}
