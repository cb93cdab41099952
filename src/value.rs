//! Runtime values shared by facts and evaluation: dates, interned text, and the
//! compact `Value` that every expression evaluates to.

use std::collections::HashMap;
use std::sync::Arc;

mod computed;
mod date;
pub mod decimal;
mod partial;

use computed::{COMPUTED_BASE, ComputedTexts};
pub use date::Date;
pub use decimal::{Decimal, DecimalError, Number};
pub use partial::{PartialDate, Precision};

/// An interned string: equal texts have equal symbols within one [`Interner`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(pub u32);

/// Interns strings so that comparing texts is comparing integers.
///
/// Texts computed while evaluating (`lower(t.name)`) are added through a shared reference
/// ([`Interner::intern_computed`]); a clone shares them, so a value computed against the original
/// still shows through the clone.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// Hashed with foldhash, seeded at random per process: reading facts interns every text of
    /// every fact, and SipHash was a tenth of that.
    ids: HashMap<Box<str>, Sym, foldhash::fast::RandomState>,
    texts: Vec<Box<str>>,
    computed: Arc<ComputedTexts>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The symbol for a text, adding it if new.
    pub fn intern(&mut self, text: &str) -> Sym {
        if let Some(sym) = self.ids.get(text) {
            return *sym;
        }
        let sym = Sym(u32::try_from(self.texts.len()).expect("fewer than 2^32 distinct texts"));
        self.texts.push(text.into());
        self.ids.insert(text.into(), sym);
        sym
    }

    /// The symbol for a text, if it was interned.
    pub fn get(&self, text: &str) -> Option<Sym> {
        self.ids.get(text).copied()
    }

    /// The text of a symbol.
    pub fn resolve(&self, sym: Sym) -> &str {
        if sym.0 >= COMPUTED_BASE {
            return self
                .computed
                .get(sym.0 - COMPUTED_BASE)
                .expect("a computed symbol comes from this interner's store");
        }
        &self.texts[sym.0 as usize]
    }

    /// Starts a store of computed texts of its own, so that the texts computed against one set of
    /// facts are not kept by the program or the other facts it was cloned from.
    pub fn own_computed(&mut self) {
        self.computed = Arc::default();
    }

    /// Whether a symbol is of a text computed while evaluating.
    pub fn is_computed(sym: Sym) -> bool {
        sym.0 >= COMPUTED_BASE
    }

    /// The symbol of a text computed while evaluating: the interned text's own symbol if there
    /// is one, so that equal texts stay equal symbols; `None` once the store is full.
    pub fn intern_computed(&self, text: &str) -> Option<Sym> {
        if let Some(sym) = self.get(text) {
            return Some(sym);
        }
        self.computed.intern(text).map(|idx| Sym(COMPUTED_BASE + idx))
    }

    /// Forgets every text interned after the first `len`, so a batch can reuse the interner
    /// without growing it.
    pub fn truncate(&mut self, len: usize) {
        for text in self.texts.drain(len.min(self.texts.len())..) {
            self.ids.remove(&text);
        }
        self.computed = Arc::default();
    }

    /// How many texts are interned.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// Identifies a set or list stored in an arena (facts, program constants, or one decision's scratch space).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeqId(pub u32);

/// A runtime value. It is `Copy`: sets and lists live in arenas and are referred to by id,
/// so evaluation never clones or reference-counts fact data.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// The known absence of an optional value.
    None,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer; also a whole `Decimal` within its range, so that equal numbers are
    /// equal values.
    Int(i64),
    /// A `Decimal` that is not a whole `Int` (see [`decimal::number`]): equal numbers are equal
    /// values.
    Decimal(Decimal),
    /// Interned text.
    Text(Sym),
    /// A date.
    Date(Date),
    /// A date known to the year or the month.
    Partial(PartialDate),
    /// An enum variant, by index in its enum (the type is known statically).
    Variant(u32),
    /// A record, by row in its table (the type is known statically).
    Record(u32),
    /// A set or list, by id in an arena; its elements are sorted and unique for sets.
    Seq(SeqId),
}

impl From<Number> for Value {
    fn from(number: Number) -> Value {
        match number {
            Number::Int(int) => Value::Int(int),
            Number::Decimal(decimal) => Value::Decimal(decimal),
        }
    }
}

impl Value {
    /// The mantissa and scale of a number (`Int` or `Decimal`), `None` for any other value.
    pub fn number_parts(self) -> Option<(i128, u32)> {
        match self {
            Value::Int(int) => Some((i128::from(int), 0)),
            Value::Decimal(decimal) => Some((decimal.mantissa(), decimal.scale())),
            _ => None,
        }
    }
}

// Values are copied everywhere: a larger one would slow every evaluation.
const _: () = assert!(std::mem::size_of::<Value>() == 16);
