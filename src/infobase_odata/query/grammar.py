"""The PEG grammar of key predicates, function parameters and query options (reference §2, §5).

One :class:`parsimonious.Grammar`; each entry point is a rule used through
``grammar.default(name)``::

    >>> tree = GRAMMAR.default("filter").parse("Price gt 10 and Unit/Description eq 'шт'")

Entry rules: ``key_predicate``, ``parameters``, ``literal_only``, ``filter``, ``orderby``,
``select``, ``expand``.  Literal bodies are matched loosely (``guid'…'`` with anything inside)
so the visitor can report a precise "bad literal" error instead of a generic syntax error.
Operator precedence is one rule per level (§5.2): or < and < eq/ne < gt/ge/lt/le < add/sub <
mul/div/mod < not/unary minus < primary; equal levels associate left to right.
"""

from __future__ import annotations

from parsimonious.grammar import Grammar

GRAMMAR_TEXT = r"""
filter          = ws expr ws
orderby         = ws order_item (ws comma ws order_item)* ws
order_item      = expr (rws order_dir)?
order_dir       = ~r"(asc|desc)(?!\w)"
select          = ws select_item (ws comma ws select_item)* ws
select_item     = select_seg (slash select_seg)*
select_seg      = star_presentation / "**" / "*" / identifier
star_presentation = "*____Presentation"
expand          = ws expand_item (ws comma ws expand_item)* ws
expand_item     = expand_seg (slash expand_seg)*
expand_seg      = "*" / identifier
key_predicate   = ws (named_values / literal) ws
named_values    = named_value (ws comma ws named_value)*
named_value     = identifier ws equals ws literal
parameters      = ws (parameter (ws comma ws parameter)*)? ws
parameter       = identifier ws equals ws param_value
param_value     = strict_param / loose_string
strict_param    = literal &param_end
loose_string    = "'" loose_char* "'" &param_end
loose_char      = !("'" param_end) ~r"."s
param_end       = ws ((comma  ws identifier ws equals) / end)
end             = !~r"."s
literal_only    = ws literal ws

expr            = and_expr (rws or_op rws and_expr)*
and_expr        = eq_expr (rws and_op rws eq_expr)*
eq_expr         = rel_expr (rws eq_op rws rel_expr)*
rel_expr        = add_expr (rws rel_op rws add_expr)*
add_expr        = mul_expr (rws add_op rws mul_expr)*
mul_expr        = unary_expr (rws mul_op rws unary_expr)*
or_op           = ~r"or(?!\w)"
and_op          = ~r"and(?!\w)"
eq_op           = ~r"(eq|ne)(?!\w)"
rel_op          = ~r"(gt|ge|lt|le)(?!\w)"
add_op          = ~r"(add|sub)(?!\w)"
mul_op          = ~r"(mul|div|mod)(?!\w)"
unary_expr      = not_expr / neg_expr / primary
not_expr        = ~r"not(?!\w)" ws unary_expr
neg_expr        = !number "-" ws unary_expr
primary         = paren / literal / call / lambda / path
paren           = lp ws expr ws rp
call            = func_name ws lp ws arguments? ws rp call_path?
call_path       = (slash segment)+
func_name       = ~r"[A-Za-z]+"
arguments       = expr (ws comma ws expr)*
lambda          = path slash lambda_kind ws lp ws lambda_body? ws rp
lambda_kind     = ~r"[A-Za-z]+(?=\s*\()"
lambda_body     = identifier ws colon ws expr
path            = segment (slash segment)*
segment         = !(~"[A-Za-z]+" ws lp) identifier

literal         = null / boolean / guid / datetimeoffset / datetime / time / binary / string / number
null            = ~r"null(?!\w)"
boolean         = ~r"(true|false)(?!\w)"
guid            = ~r"guid'([^']*)'"i
datetimeoffset  = ~r"datetimeoffset'([^']*)'"i
datetime        = ~r"datetime'([^']*)'"i
time            = ~r"time'([^']*)'"i
binary          = ~r"(?:X|binary)'([^']*)'"i
string          = ~r"'[^']*(?:''[^']*)*'"s
number          = ~r"(-?[0-9]+(?:\.[0-9]+)?)([mMdDfFlL]?)(?![\w.])"

identifier      = ~r"[^\W\d]\w*"
lp              = "("
rp              = ")"
comma           = ","
colon           = ":"
equals          = "="
slash           = "/"
ws              = ~r"\s*"
rws             = ~r"\s+"
"""

GRAMMAR = Grammar(GRAMMAR_TEXT)
