; Highlighting for Pol, in the capture names Neovim, Helix and Zed share.

(comment) @comment

[
  "policy" "module" "source" "use" "enum" "record" "key" "alias" "let" "fn" "obligation"
  "decide" "on" "default" "rule" "when" "unless" "because" "cite" "oblige" "effective"
  "until" "exception" "to" "test" "data" "as" "of" "expect" "by" "missing" "undecided"
] @keyword

[ "if" "then" "else" ] @keyword.conditional
[ "any" "all" ] @keyword.repeat
[ "and" "or" "not" "in" "is" "some" "subset" "union" "intersect" "without" ] @keyword.operator
[ "==" "!=" "<=" ">=" "<" ">" "+" "-" "*" "->" "=" ] @operator

(effect) @keyword.return

(string) @string
(escape_sequence) @string.escape
(date) @number
(integer) @number
(decimal) @number.float
(negative_decimal) @number.float
(negative_integer) @number
(position) @number
(boolean) @boolean
(none) @constant.builtin
(unknown) @constant.builtin

(type_constructor) @type.builtin
(type name: (identifier) @type)
(record_declaration name: (identifier) @type)
(enum_declaration name: (identifier) @type)
(enum_value) @constant
(decide_declaration type: (identifier) @type)
(fact type: (identifier) @type)
(key_reference record: (identifier) @type)
(lookup record: (identifier) @type)
(fact_path record: (identifier) @type)

(field_declaration name: (identifier) @variable.member)
(key_fields field: (identifier) @variable.member)
(field_access field: (identifier) @variable.member)
(fact_field name: (identifier) @variable.member)
(fact_path field: (identifier) @variable.member)

(rule_declaration name: (identifier) @function)
(exception_clause rule: (identifier) @function)
(expectation rule: (identifier) @function)
(function_declaration name: (identifier) @function)
(call function: (identifier) @function.call)
(parameter name: (identifier) @variable.parameter)

(obligation_declaration name: (identifier) @constant)
(oblige_clause obligation: (identifier) @constant)
(let_declaration name: (identifier) @constant)

(module_path) @module
(header name: (string) @string.special)
(cite_clause citation: (string) @string.special)

[ "(" ")" "[" "]" "{" "}" ] @punctuation.bracket
[ "," ":" "." ] @punctuation.delimiter
