//! The registry of stable diagnostic codes: one variant per code, never reused or renumbered.
//! Ranges: `E01xx` syntax, `E02xx` check, `E03xx` evaluation, `E04xx` facts and input, `W0xxx` warnings.

macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, )*) => {
        /// A stable diagnostic code.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in output, e.g. `E0201`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// One line saying what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),+).trim_ascii(),)* }
            }
        }
    };
}

codes! {
    /// The text does not follow Pol's grammar.
    Syntax = "E0101",
    /// A string literal has no closing quote.
    UnterminatedString = "E0102",
    /// A string literal has an escape Pol does not know.
    InvalidEscape = "E0103",
    /// A date literal is not a real calendar date.
    InvalidDate = "E0104",
    /// An integer literal does not fit in 64 bits.
    IntegerTooLarge = "E0105",
    /// A character that cannot start any token, such as a non-ASCII letter in a name.
    InvalidCharacter = "E0106",
    /// Expressions or blocks are nested deeper than the limit.
    NestingTooDeep = "E0107",
    /// A character some editors show as a line break and Pol does not: a carriage return
    /// without a line feed, a vertical tab, a form feed, U+0085, U+2028 or U+2029.
    AmbiguousLineBreak = "E0108",
    /// U+FEFF (a byte order mark) anywhere but at the start of a file or in a string.
    StrayByteOrderMark = "E0109",

    /// A name that is not defined.
    UnknownName = "E0201",
    /// A type name that is not defined.
    UnknownType = "E0202",
    /// A record has no field of that name.
    UnknownField = "E0203",
    /// A value of one type where another is needed.
    TypeMismatch = "E0204",
    /// Two definitions with the same name.
    DuplicateDefinition = "E0205",
    /// An exception names a rule that does not exist.
    UnknownRule = "E0206",
    /// Rules are exceptions to each other in a cycle.
    ExceptionCycle = "E0207",
    /// A function called with the wrong number of arguments.
    WrongArity = "E0208",
    /// A field read through an optional value that may be none.
    OptionalAccess = "E0209",
    /// A function that calls itself, directly or through others.
    RecursiveFunction = "E0210",
    /// The policy does not say which record it decides, or says it twice.
    SubjectDeclaration = "E0211",
    /// A rule clause that may appear once appears twice, or a required one is missing.
    RuleClause = "E0212",
    /// An obligation attached to a deny rule.
    ObligationOnDeny = "E0213",
    /// An obligation name that is not declared.
    UnknownObligation = "E0214",
    /// A record's key is not one of its fields, or not text.
    InvalidKey = "E0215",
    /// An imported module cannot be found.
    ImportNotFound = "E0216",
    /// Modules import each other in a cycle.
    ImportCycle = "E0217",
    /// An enum has no variant of that name.
    UnknownVariant = "E0218",
    /// The policy has no `default` decision, or has two.
    DefaultDeclaration = "E0219",
    /// A fact in a test does not fit the schema.
    TestFact = "E0220",
    /// An `expect` names a subject, rule or fact the test does not have.
    TestExpect = "E0221",
    /// An import leaves the directory it may read from.
    ImportOutsideRoot = "E0222",
    /// A name that could mean two things.
    AmbiguousName = "E0223",
    /// A key reference to a record type without a key.
    KeylessRecord = "E0224",
    /// A date range whose end is not after its start.
    InvalidPeriod = "E0225",
    /// A nested record type (a record without a key used as a field's type) used where only a
    /// record of its own can be: decided, written as a fact of its own, or a keyed record written inline.
    NestedRecordUse = "E0226",
    /// Record types that nest each other in a cycle, so their facts could never end.
    NestedRecordCycle = "E0227",
    /// A key reference in an expression typed at a prompt that no loaded fact has.
    ProbeUnknownKey = "E0228",
    /// A program with errors, kept for editors to read, was asked to decide.
    PartialProgram = "E0229",
    /// A declaration was typed where an expression is evaluated.
    DeclarationAtPrompt = "E0230",
    /// An expression was to be evaluated against a policy that has errors, or imports a module that has.
    EvaluateWithErrors = "E0231",
    /// A key reference or a reference in a test fact or `data` names no row of a table.
    UnknownTableKey = "E0232",
    /// A table is declared wrongly: an alias field, a row of `data`, or a row given outside `data`.
    InvalidTable = "E0233",

    /// A value was none where the checker proved it could not be.
    RuntimeNone = "E0301",
    /// Integer arithmetic overflowed.
    IntegerOverflow = "E0302",
    /// Evaluation took more steps than the limit.
    StepLimit = "E0303",
    /// Evaluation nested deeper than the limit.
    DepthLimit = "E0304",
    /// A set built during evaluation grew past the limit.
    SetSizeLimit = "E0305",

    /// A file could not be read or written.
    Io = "E0401",
    /// A facts file is not well-formed JSON, YAML or CSV.
    MalformedFacts = "E0402",
    /// Facts of a record type the policy does not declare.
    UnknownRecordType = "E0403",
    /// A fact has a field its record type does not declare.
    UnknownFactField = "E0404",
    /// A fact's value has the wrong type for its field.
    FactType = "E0405",
    /// A fact refers to a key that no fact has.
    DanglingReference = "E0406",
    /// Two facts of one record type have the same key.
    DuplicateKey = "E0407",
    /// A fact lacks its record's key field.
    MissingKey = "E0408",
    /// An input is larger than the limit.
    InputTooLarge = "E0409",
    /// The record type of a facts file cannot be told.
    FactsShape = "E0410",
    /// A command-line value is not valid.
    InvalidArgument = "E0411",
    /// A field given twice in one fact.
    DuplicateFactField = "E0412",
    /// Facts of a nested record type given on their own, outside the records that hold them.
    NestedFactsAlone = "E0413",
    /// An object for a reference to a record with a key, or a dotted CSV column under a field
    /// that is not a nested record.
    NotNestedField = "E0414",
    /// A policy names a key that no fact defines, and `--deny-unknown-keys` makes that an error.
    DeniedUnknownKey = "E0415",
    /// Loaded facts hold test-block facts or streamed records, which cannot be bound to another program without reading them again.
    FactsNotRebindable = "E0416",
    /// A file `pol fmt --write` was about to replace changed after it was read; it is left as it is now.
    ChangedWhileFormatting = "E0417",
    /// A file `pol fmt --write` will not replace without `--force`: read-only, hard-linked, or its owner cannot be kept.
    ProtectedFile = "E0418",
    /// A module, which only defines, was given to a command that decides.
    ModuleNotDecidable = "E0420",
    /// A facts input holds a control character (a NUL byte, say), which no facts format allows raw.
    ControlCharacter = "E0421",
    /// A subject read from a streamed JSON Lines input refers to another subject of that input.
    StreamedReference = "E0422",
    /// A module that a file imports, directly or through others, has errors.
    ImportHasErrors = "E0426",
    /// A decision was asked of a session whose policy, or a module it imports, has errors.
    DecideWithErrors = "E0427",
    /// A decision was asked of a session before facts were loaded for its policy.
    NoFactsLoaded = "E0428",
    /// A decision was asked for a subject whose key no fact has.
    UnknownSubject = "E0429",
    /// A line typed at the REPL names a meta-command that does not exist.
    UnknownCommand = "E0430",
    /// A REPL meta-command is missing its argument, or its argument is not what it takes.
    CommandArgument = "E0431",
    /// A REPL meta-command needs something the session does not have yet (a decision to
    /// explain, a policy to reload).
    CommandNeedsState = "E0432",
    /// A rename asked for a new name that is not a name: a reserved word, or text that is not
    /// letters, digits and `_` starting with a letter or `_`.
    InvalidNewName = "E0445",
    /// A rename would give a definition the name of another one in its scope, or change what a
    /// name refers to.
    RenameCollision = "E0446",
    /// A rename asked to change a definition of the standard library, which is read-only.
    ReadOnlyDefinition = "E0447",
    /// A rename was asked where no name of the policy is.
    NothingToRename = "E0448",
    /// A test was asked to run by a name no test block of the policy has.
    UnknownTest = "E0449",
    /// Two policies compared by `pol diff` decide different record types.
    DifferentSubjects = "E0450",
    /// `pol diff` was given one policy and no second date: nothing can differ.
    NothingToCompare = "E0451",
    /// An SVG picture was asked for, but Graphviz's `dot` program, which draws it, is not installed.
    GraphvizMissing = "E0470",
    /// Graphviz's `dot` program failed to draw a picture.
    GraphvizFailed = "E0471",
    /// A picture of a derivation was asked for facts with more than one subject, and none chosen.
    PictureNeedsOneSubject = "E0472",
    /// The subject chosen for a picture of its derivation is not among the facts.
    PictureSubjectNotFound = "E0473",
    /// The coverage of the tests is below the threshold asked for.
    CoverageBelowThreshold = "E0474",
    /// A mapping file is not what a mapping may say: not a YAML object, an unknown setting, a
    /// value of the wrong kind, a column mapped twice.
    BadMapping = "E0455",
    /// A mapping names a record type or field that the policy does not declare.
    MappingUnknownName = "E0456",
    /// A mapping names a column that the header of the file does not have.
    MappedColumnMissing = "E0457",
    /// A cell does not match its column's date format, or names no real day.
    DateFormatMismatch = "E0458",
    /// A mapping's date format leaves out the day without saying which day stands for it.
    PartialDateWithoutFill = "E0459",
    /// A tabular file ends before the header row its mapping places.
    HeaderNotFound = "E0460",
    /// `min` or `max` of an empty set or list, which has no least or greatest element.
    EmptyAggregate = "E0478",
    /// A compound key (`key (a, b)`) names a field the record lacks, names one twice, or names
    /// a field whose type cannot be part of a key.
    BadCompoundKey = "E0461",
    /// A lookup by key (`Record[e]`, `Record[a, b]`) into a record type without a key, or with
    /// a number of key values other than its key has fields.
    BadLookup = "E0462",
    /// The facts of a record type ranged over (`any c in Conflict: …`) or looked up where they
    /// cannot be: a nested record type, or the type of the subjects being decided.
    FactsOfNotAllowed = "E0463",
    /// A record type with a compound key used where a single key names it: a field's type, or
    /// a key reference `Record["key"]`.
    CompoundKeyReference = "E0464",
    /// Two facts of a record type with a compound key have the same key.
    DuplicateCompoundKey = "E0483",
    /// A fact of a record type with a compound key leaves a field of its key unknown.
    UnknownCompoundKey = "E0484",
    /// A decimal number, in a policy or in facts, has more digits than a `Decimal` holds exactly.
    DecimalOutOfRange = "E0479",
    /// Decimal arithmetic whose exact result has more digits than a `Decimal` holds.
    DecimalOverflow = "E0480",
    /// A text function was given an argument it cannot work with (an empty separator).
    BadTextArgument = "E0481",
    /// A value of a `Date` field is not a date, a year (`2014`) or a month (`2014-03`).
    InvalidPartialDate = "E0482",

    /// A definition that nothing uses.
    Unused = "W0001",
    /// A rule that can never apply.
    NeverApplies = "W0002",
    /// A policy names a key that no fact defines: every field of it reads as unknown.
    UnknownKey = "W0003",
    /// `pol fmt --write --force` replaced a file without keeping its hard links or its owner.
    ForcedReplace = "W0005",
    /// A policy ranges over the facts of a record type, and no fact of that type was given:
    /// every `any` over them is false and every `all` true.
    NoFactsOfType = "W0007",
    /// A symbolic link to a folder was not followed while searching for policies.
    LinkNotFollowed = "W0006",
    /// A folder named on the command line holds no policy file that a search takes in.
    NoPolicies = "W0008",
    /// A bidirectional control character in a string or comment, which can make text
    /// display in a different order than Pol reads it.
    BidiControl = "W0010",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert_eq!(text.len(), 5, "{text}");
            assert!(!code.summary().is_empty());
        }
    }
}
