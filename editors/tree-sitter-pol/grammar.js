/**
 * A tree-sitter grammar for Pol, for highlighting, folding and structural selection in
 * editors that use tree-sitter (Neovim, Helix, Zed, Emacs).
 *
 * `grammar/pol.pest` at the repository root defines Pol's syntax; this grammar follows it
 * and is checked against it: `tests/editors_grammars.rs` requires every keyword of the pest
 * grammar here, and `editors/tree-sitter-pol/test.sh` parses every bundled policy with no
 * error. Precedence follows `src/syntax/lower.rs`: or < and < not < comparisons < + - union
 * without < * intersect < unary minus < postfix.
 */

const PREC = {
  or: 10,
  and: 20,
  not: 30,
  compare: 40,
  add: 50,
  mul: 60,
  neg: 70,
  postfix: 80,
};

/** One or more `rule`, separated by commas, with an optional trailing comma. */
function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

/** Zero or more `rule`, separated by commas, with an optional trailing comma. */
function commaSep(rule) {
  return optional(commaSep1(rule));
}

module.exports = grammar({
  name: 'pol',

  word: $ => $.identifier,

  extras: $ => [/\s/, $.comment],

  supertypes: $ => [$._declaration, $._expression],

  // `Record["key"]` reads as a key reference or as a lookup by one text; the key reference wins.
  conflicts: $ => [[$.key_reference, $._literal]],

  rules: {
    source_file: $ => seq(optional($.header), repeat($._declaration)),

    comment: _ => token(seq('//', /[^\r\n]*/)),

    header: $ => seq(
      field('kind', choice('policy', 'module')),
      field('name', $.string),
      optional(seq('source', field('source', $.string))),
    ),

    _declaration: $ => choice(
      $.rule_declaration,
      $.use_declaration,
      $.enum_declaration,
      $.record_declaration,
      $.let_declaration,
      $.function_declaration,
      $.obligation_declaration,
      $.decide_declaration,
      $.default_declaration,
      $.test_declaration,
      $.data_declaration,
    ),

    // ------------------------------------------------------------ declarations

    use_declaration: $ => seq('use', field('module', choice($.module_path, $.string))),
    module_path: $ => seq($.identifier, repeat(seq(token.immediate('.'), alias(token.immediate(/[A-Za-z_][A-Za-z0-9_]*/), $.identifier)))),

    enum_declaration: $ => seq(
      'enum',
      field('name', $.identifier),
      '{',
      commaSep1(field('value', $.enum_value)),
      '}',
    ),
    enum_value: $ => $.identifier,

    record_declaration: $ => seq(
      'record',
      field('name', $.identifier),
      optional(seq('key', choice(
        seq(field('key', $.identifier), optional(seq('alias', field('alias', $.identifier)))),
        $.key_fields,
      ))),
      '{',
      repeat($.field_declaration),
      '}',
    ),
    key_fields: $ => seq('(', field('field', $.identifier), repeat1(seq(',', field('field', $.identifier))), optional(','), ')'),
    field_declaration: $ => seq(field('name', $.identifier), ':', field('type', $.type), optional(',')),

    type: $ => seq(
      choice(
        seq(alias('Set', $.type_constructor), '<', $.type, '>'),
        seq(alias('List', $.type_constructor), '<', $.type, '>'),
        field('name', $.identifier),
      ),
      optional($.optional_mark),
    ),
    optional_mark: _ => '?',

    let_declaration: $ => seq(
      'let',
      field('name', $.identifier),
      optional(seq(':', field('type', $.type))),
      '=',
      field('value', $._expression),
    ),

    function_declaration: $ => seq(
      'fn',
      field('name', $.identifier),
      '(',
      commaSep($.parameter),
      ')',
      optional(seq('->', field('result', $.type))),
      '=',
      field('body', $._expression),
    ),
    parameter: $ => seq(field('name', $.identifier), ':', field('type', $.type)),

    obligation_declaration: $ => seq('obligation', field('name', $.identifier), field('text', $.string)),

    decide_declaration: $ => seq(
      'decide',
      field('subject', $.identifier),
      ':',
      field('type', $.identifier),
      optional(seq('on', field('date', $._expression))),
    ),

    default_declaration: $ => seq(
      'default',
      field('effect', $.effect),
      repeat(choice($.because_clause, $.cite_clause)),
    ),
    effect: _ => choice('permit', 'deny'),

    rule_declaration: $ => seq(
      'rule',
      field('name', $.identifier),
      ':',
      field('effect', $.effect),
      '{',
      repeat($._rule_clause),
      '}',
    ),
    _rule_clause: $ => choice(
      $.when_clause,
      $.unless_clause,
      $.because_clause,
      $.cite_clause,
      $.oblige_clause,
      $.effective_clause,
      $.until_clause,
      $.exception_clause,
    ),
    when_clause: $ => seq('when', field('condition', $._expression)),
    unless_clause: $ => seq('unless', field('condition', $._expression)),
    because_clause: $ => seq('because', field('reason', $.string)),
    cite_clause: $ => seq('cite', field('citation', $.string)),
    oblige_clause: $ => seq('oblige', commaSep1Strict(field('obligation', $.identifier))),
    effective_clause: $ => seq('effective', field('date', $.date)),
    until_clause: $ => seq('until', field('date', $.date)),
    exception_clause: $ => seq('exception', 'to', commaSep1Strict(field('rule', $.identifier))),

    // ------------------------------------------------------------ data and tests

    data_declaration: $ => seq('data', '{', repeat($.fact), '}'),

    test_declaration: $ => seq(
      'test',
      field('name', $.string),
      '{',
      optional($.as_of_clause),
      repeat(choice($.fact, $.expectation)),
      '}',
    ),
    as_of_clause: $ => seq('as', 'of', field('date', $.date)),

    fact: $ => seq(field('type', $.identifier), '{', commaSep($.fact_field), '}'),
    fact_field: $ => seq(field('name', $.identifier), ':', field('value', $._fact_value)),
    _fact_value: $ => choice(
      $.unknown,
      $.fact_set,
      $.fact,
      $.negative_decimal,
      $.negative_integer,
      $._literal,
      $.identifier,
    ),
    fact_set: $ => seq('{', commaSep($._fact_value), '}'),
    negative_decimal: $ => seq('-', $.decimal),
    negative_integer: $ => seq('-', $.integer),

    expectation: $ => seq(
      'expect',
      field('subject', choice($.string, $.position)),
      choice(
        seq('undecided', optional(seq('missing', commaSep1Strict($.fact_path)))),
        seq(
          field('effect', $.effect),
          'by',
          choice('default', commaSep1Strict(field('rule', $.identifier))),
          optional(seq('oblige', commaSep1Strict(field('obligation', $.identifier)))),
        ),
      ),
    ),
    position: $ => seq('#', token.immediate(/[0-9][0-9_]*/)),
    fact_path: $ => seq(
      field('record', $.identifier),
      '[',
      field('subject', choice($.string, $.position)),
      ']',
      repeat1(seq('.', field('field', $.identifier))),
    ),

    // ------------------------------------------------------------ expressions

    _expression: $ => choice(
      $.identifier,
      $.call,
      $.key_reference,
      $.lookup,
      $._literal,
      $.parenthesized,
      $.set,
      $.quantifier,
      $.if_expression,
      $.field_access,
      $.is_some,
      $.is_none,
      $.unary,
      $.binary,
    ),

    call: $ => seq(field('function', $.identifier), '(', commaSep(field('argument', $._expression)), ')'),
    // `Record["key"]`: a lone text literal is a key reference, checked when the policy is.
    key_reference: $ => prec.dynamic(1, seq(field('record', $.identifier), '[', field('key', $.string), ']')),
    // `Record[e]` or `Record[e1, e2]`: the fact whose key the expressions compute.
    lookup: $ => seq(field('record', $.identifier), '[', commaSep1(field('key', $._expression)), ']'),
    parenthesized: $ => seq('(', $._expression, ')'),
    set: $ => seq('{', commaSep($._expression), '}'),
    quantifier: $ => prec.right(seq(
      field('kind', choice('any', 'all')),
      field('variable', $.identifier),
      'in',
      field('set', $._expression),
      ':',
      field('body', $._expression),
    )),
    if_expression: $ => prec.right(seq(
      'if', field('condition', $._expression),
      'then', field('then', $._expression),
      'else', field('else', $._expression),
    )),

    field_access: $ => prec(PREC.postfix, seq(field('value', $._expression), '.', field('field', $.identifier))),
    is_some: $ => prec(PREC.postfix, seq($._expression, 'is', 'some')),
    is_none: $ => prec(PREC.postfix, seq($._expression, 'is', 'none')),

    unary: $ => choice(
      prec(PREC.not, seq(field('operator', 'not'), field('operand', $._expression))),
      prec(PREC.neg, seq(field('operator', '-'), field('operand', $._expression))),
    ),

    binary: $ => {
      const levels = [
        [PREC.or, 'or'],
        [PREC.and, 'and'],
        [PREC.compare, choice('==', '!=', '<=', '>=', '<', '>', 'in', seq('not', 'in'), 'subset')],
        [PREC.add, choice('+', '-', 'union', 'without')],
        [PREC.mul, choice('*', 'intersect')],
      ];
      return choice(...levels.map(([level, operator]) => prec.left(level, seq(
        field('left', $._expression),
        field('operator', operator),
        field('right', $._expression),
      ))));
    },

    // ------------------------------------------------------------ tokens

    _literal: $ => choice($.date, $.decimal, $.integer, $.string, $.boolean, $.none),
    boolean: _ => choice('true', 'false'),
    none: _ => 'none',
    unknown: _ => 'unknown',
    date: _ => token(prec(1, /[0-9]{4}-[0-9]{2}-[0-9]{2}/)),
    decimal: _ => token(prec(1, /[0-9][0-9_]*\.[0-9][0-9_]*/)),
    integer: _ => /[0-9][0-9_]*/,
    string: $ => seq('"', repeat(choice($.string_content, $.escape_sequence)), token.immediate('"')),
    string_content: _ => token.immediate(prec(1, /[^"\\]+/)),
    escape_sequence: _ => token.immediate(/\\(["\\nt]|u\{[0-9A-Fa-f]{1,6}\})/),
    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});

/** One or more `rule` separated by commas, with no trailing comma (clauses that end a line). */
function commaSep1Strict(rule) {
  return seq(rule, repeat(seq(',', rule)));
}
