" Vim syntax file
" Language: Pol, a policy language for export-control rules
" Filenames: *.pol
" The reference is grammar/pol.pest and docs/language.md in Pol's repository.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_

" Words that start a clause are keywords only where they stand as one: not after a `.` (a field,
" `t.to`) and not before a `:` (a field's declaration, `key: Text`).
let s:clause = '\%(\.\s*\)\@<!\<%s\>\%(\s*:\)\@!'

" ---------------------------------------------------------------- comments, strings, literals

syn keyword polTodo contained TODO FIXME XXX NOTE
syn match polComment "//.*$" contains=polTodo,@Spell

syn match polEscapeError "\\." contained
syn match polEscape '\\\%(["\\nt]\|u{\x\{1,6}}\)' contained
syn region polString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=polEscape,polEscapeError,@Spell

syn match polError "\<\d[0-9_]*\a\w*"
syn match polNumber "\<\d[0-9_]*\>"
syn match polNumber "\<\d[0-9_]*\.\d[0-9_]*\>"
syn match polDate "\<\d\{4}-\d\d-\d\d\>"
syn match polPosition "#\d[0-9_]*\>"
syn keyword polBoolean true false
syn keyword polConstant none unknown

" ---------------------------------------------------------------- declarations and their names

syn keyword polHeader policy module
exe 'syn match polHeader "' . printf(s:clause, 'source') . '"'
syn keyword polInclude use nextgroup=polModuleName skipwhite
syn match polModuleName "\h\w*\%(\s*\.\s*\h\w*\)*" contained

syn keyword polDeclaration rule nextgroup=polRuleName skipwhite
syn match polRuleName "\h\w*" contained
syn keyword polStructure record enum nextgroup=polTypeName skipwhite
syn match polTypeName "\h\w*" contained
syn keyword polDeclaration fn nextgroup=polFunctionName skipwhite
syn match polFunctionName "\h\w*" contained
syn keyword polDeclaration let nextgroup=polConstantName skipwhite
syn match polConstantName "\h\w*" contained
syn keyword polDeclaration obligation nextgroup=polObligationName skipwhite
syn match polObligationName "\h\w*" contained
syn keyword polDeclaration decide nextgroup=polSubject skipwhite
syn match polSubject "\h\w*" contained
syn keyword polDeclaration default test
exe 'syn match polDeclaration "' . printf(s:clause, 'data') . '\%(\s*\%({\|$\)\)\@="'

" ---------------------------------------------------------------- effects and clauses

syn keyword polPermit permit
syn keyword polDeny deny
exe 'syn match polUndecided "' . printf(s:clause, 'undecided') . '"'

exe 'syn match polCondition "' . printf(s:clause, '\%(when\|unless\)') . '"'
exe 'syn match polClause "' . printf(s:clause, 'because') . '" nextgroup=polReason skipwhite skipnl'
syn region polReason start=+"+ skip=+\\\\\|\\"+ end=+"+ contained contains=polEscape,polEscapeError,@Spell
exe 'syn match polClause "' . printf(s:clause, 'cite') . '" nextgroup=polCitation skipwhite skipnl'
syn region polCitation start=+"+ skip=+\\\\\|\\"+ end=+"+ contained contains=polEscape,polEscapeError
exe 'syn match polClause "' . printf(s:clause, '\%(effective\|until\)') . '" nextgroup=polDate skipwhite'
exe 'syn match polClause "' . printf(s:clause, 'oblige') . '" nextgroup=polObligationRef skipwhite'
syn match polObligationRef "\h\w*\%(\s*,\s*\h\w*\)*" contained contains=polComma
exe 'syn match polClause "' . printf(s:clause, 'exception\s\+to') . '" nextgroup=polRuleRef skipwhite'
exe 'syn match polClause "' . printf(s:clause, 'by') . '" nextgroup=polRuleRef skipwhite'
syn match polRuleRef "\h\w*\%(\s*,\s*\h\w*\)*" contained contains=polComma,polDeclaration
syn match polComma "," contained
exe 'syn match polClause "' . printf(s:clause, '\%(key\|alias\|on\|as\s\+of\|missing\)') . '"'
syn keyword polClause expect

" ---------------------------------------------------------------- expressions

syn keyword polOperator and or not in is some subset union intersect without
syn keyword polConditional if then else
syn keyword polRepeat any all
syn match polOperator "==\|!=\|<=\|>=\|<\|>\|->\|[-+*=?]"

syn keyword polBuiltinType Bool Int Text Date Set List
syn match polType "\<\u\w*\>"
syn match polFunctionCall "\<\h\w*\>\ze\s*("
syn match polBuiltin "\<\%(size\|year\|days_between\|add_days\|count\|sum\|min\|max\|lower\|upper\|trim\|split\|starts_with\|ends_with\|contains\|replace\|length\)\>\ze\s*("
" A field after a dot is a name, even one spelled like a clause word (`t.to`).
syn match polField "\.\s*\zs\h\w*"

" What no token of the language starts with, outside strings and comments.
syn match polError "&&\|||\|!=\@!\|/\%(/\)\@!\|[;@$%^&|~`'\\]\|[^\x00-\x7f]"

" A declaration keyword starting a line is never inside a string in a formatted policy: a safe
" place to start highlighting again.
syn sync match polSync grouphere NONE "^\%(rule\|record\|enum\|fn\|let\|use\|obligation\|decide\|default\|test\|data\|policy\|module\)\>"
syn sync minlines=50

" ---------------------------------------------------------------- links to the standard groups

hi def link polTodo Todo
hi def link polComment Comment
hi def link polString String
hi def link polReason String
hi def link polCitation String
hi def link polEscape SpecialChar
hi def link polEscapeError Error
hi def link polError Error
hi def link polNumber Number
hi def link polDate Constant
hi def link polPosition Number
hi def link polBoolean Boolean
hi def link polConstant Constant
hi def link polHeader PreProc
hi def link polInclude Include
hi def link polModuleName Identifier
hi def link polDeclaration Keyword
hi def link polStructure Structure
hi def link polRuleName Function
hi def link polTypeName Type
hi def link polFunctionName Function
hi def link polConstantName Identifier
hi def link polObligationName Identifier
hi def link polSubject Identifier
hi def link polPermit Special
hi def link polDeny Special
hi def link polUndecided Special
hi def link polCondition Conditional
hi def link polClause Statement
hi def link polObligationRef Identifier
hi def link polRuleRef Function
hi def link polOperator Operator
hi def link polConditional Conditional
hi def link polRepeat Repeat
hi def link polBuiltinType Type
hi def link polType Type
hi def link polFunctionCall Function
hi def link polBuiltin Function

let b:current_syntax = "pol"

let &cpo = s:cpo_save
unlet s:cpo_save
