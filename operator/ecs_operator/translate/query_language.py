"""ECS's cluster query language (memberOf expressions), parsed into a small syntax tree.

Grammar, as the ECS developer guide describes it:

    expression := term (("||" | "or") term)*
    term       := factor (("&&" | "and") factor)*
    factor     := ("!" | "not") factor | "(" expression ")" | subject operator [argument]
    argument   := value | "[" value ("," value)* "]"

Every node keeps its column so an error can point at the part the user has to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import TranslationError

# Spelled-out operators are synonyms of the symbols, so the tree only carries the symbols.
OPERATOR_WORDS = {
    "equals": "==", "not_equals": "!=", "greater_than": ">", "greater_than_equal": ">=",
    "less_than": "<", "less_than_equal": "<=", "exists": "exists", "not_exists": "!exists",
    "in": "in", "not_in": "!in", "matches": "=~", "not_matches": "!~",
}
SYMBOLS = ("==", "!=", ">=", "<=", "=~", "!~", "&&", "||", ">", "<", "!", "(", ")", "[", "]", ",")
NEGATED = {"==": "!=", "!=": "==", "in": "!in", "!in": "in", "exists": "!exists",
           "!exists": "exists", "=~": "!~", "!~": "=~", ">": "<=", "<=": ">", "<": ">=",
           ">=": "<"}
LIST_OPERATORS = ("in", "!in")
UNARY_OPERATORS = ("exists", "!exists")


@dataclass(frozen=True)
class Token:
    text: str
    column: int  # 1-based, as people count
    end: int  # index just past the token in the expression
    quoted: bool = False


@dataclass(frozen=True)
class Comparison:
    subject: str
    operator: str
    values: tuple[str, ...]
    column: int
    text: str  # the comparison as written, for error messages


@dataclass(frozen=True)
class Not:
    operand: "Node"


@dataclass(frozen=True)
class AllOf:
    operands: tuple["Node", ...]


@dataclass(frozen=True)
class AnyOf:
    operands: tuple["Node", ...]


Node = Comparison | Not | AllOf | AnyOf


class QueryError(TranslationError):
    """An expression that does not parse, or that cannot be expressed on Kubernetes."""

    def __init__(self, expression: str, column: int, problem: str) -> None:
        super().__init__(f"{problem} (at column {column} of {expression!r})")
        self.column = column
        self.problem = problem


def _tokens(expression: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(expression):
        char = expression[position]
        if char.isspace():
            position += 1
            continue
        if char in "'\"":
            end = expression.find(char, position + 1)
            if end < 0:
                raise QueryError(expression, position + 1, "unterminated quoted value")
            tokens.append(Token(expression[position + 1:end], position + 1, end + 1, quoted=True))
            position = end + 1
            continue
        symbol = next((s for s in SYMBOLS if expression.startswith(s, position)), None)
        if symbol:
            tokens.append(Token(symbol, position + 1, position + len(symbol)))
            position += len(symbol)
            if symbol in ("=~", "!~"):
                position = _pattern(expression, position, tokens)
            continue
        match = re.compile(r"[^\s()\[\],'\"!=<>&|]+").match(expression, position)
        assert match, "every other character starts a word"
        tokens.append(Token(match.group(), position + 1, match.end()))
        position = match.end()
    return tokens


def _pattern(expression: str, position: int, tokens: list[Token]) -> int:
    """A regular expression runs to the next space; its own parentheses stay in it, a closing
    parenthesis of the surrounding expression does not."""
    while position < len(expression) and expression[position].isspace():
        position += 1
    if position < len(expression) and expression[position] in "'\"":
        return position  # a quoted pattern is read as an ordinary quoted value
    end = position
    depth = 0
    while end < len(expression) and not expression[end].isspace():
        if expression[end] == "(":
            depth += 1
        elif expression[end] == ")":
            if depth == 0:
                break
            depth -= 1
        end += 1
    if end > position:
        tokens.append(Token(expression[position:end], position + 1, end, quoted=True))
    return end


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokens(expression)
        self.index = 0

    def error(self, problem: str, token: Token | None = None) -> QueryError:
        column = token.column if token else len(self.expression) + 1
        return QueryError(self.expression, column, problem)

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def is_next(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and not token.quoted and token.text in texts

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("the expression ends too early")
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("the expression is empty")
        node = self.expression_()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek().text!r}", self.peek())
        return node

    def expression_(self) -> Node:
        operands = [self.term()]
        while self.is_next("||", "or"):
            self.take()
            operands.append(self.term())
        return operands[0] if len(operands) == 1 else AnyOf(tuple(operands))

    def term(self) -> Node:
        operands = [self.factor()]
        while self.is_next("&&", "and"):
            self.take()
            operands.append(self.factor())
        return operands[0] if len(operands) == 1 else AllOf(tuple(operands))

    def factor(self) -> Node:
        if self.is_next("!", "not"):
            self.take()
            return Not(self.factor())
        if self.is_next("("):
            opening = self.take()
            node = self.expression_()
            if not self.is_next(")"):
                raise self.error("a parenthesis is not closed", opening)
            self.take()
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        subject = self.take()
        if subject.quoted or subject.text in SYMBOLS:
            raise self.error(f"expected a subject such as attribute:ecs.instance-type, "
                             f"found {subject.text!r}", subject)
        operator = self.operator(subject)
        if operator in UNARY_OPERATORS:
            values: tuple[str, ...] = ()
        elif operator in LIST_OPERATORS:
            values = self.value_list(operator)
        else:
            value = self.take()
            if not value.quoted and value.text in SYMBOLS:
                raise self.error(f"{operator!r} needs a value", value)
            values = (value.text,)
        last = self.tokens[self.index - 1]
        return Comparison(subject.text, operator, values, subject.column,
                          self.expression[subject.column - 1:last.end])

    def operator(self, subject: Token) -> str:
        token = self.take()
        if token.text == "!" and self.is_next("in", "exists"):
            return "!" + self.take().text
        operator = OPERATOR_WORDS.get(token.text, token.text)
        if operator not in NEGATED:
            raise self.error(f"{subject.text!r} must be followed by an operator such as ==, "
                             f"in or exists, found {token.text!r}", token)
        return operator

    def value_list(self, operator: str) -> tuple[str, ...]:
        opening = self.take()
        if opening.text != "[" or opening.quoted:
            raise self.error(f"{operator!r} needs a list such as [a, b]", opening)
        values = []
        while True:
            value = self.take()
            if not value.quoted and value.text in SYMBOLS:
                raise self.error("expected a value in the list", value)
            values.append(value.text)
            separator = self.take()
            if separator.text == "]":
                return tuple(values)
            if separator.text != ",":
                raise self.error("values in a list are separated by commas", separator)


def parse(expression: str) -> Node:
    """Parses a memberOf expression; raises QueryError pointing at the offending column."""
    return _Parser(expression).parse()


def disjunctive_form(node: Node, *, limit: int = 16) -> list[list[Comparison]]:
    """The expression as OR of ANDs, negations pushed into the comparisons.

    Kubernetes node affinity has exactly this shape: nodeSelectorTerms are ORed, the
    matchExpressions of one term are ANDed.
    """
    def walk(current: Node, negate: bool) -> list[list[Comparison]]:
        if isinstance(current, Not):
            return walk(current.operand, not negate)
        if isinstance(current, Comparison):
            if not negate:
                return [[current]]
            return [[Comparison(current.subject, NEGATED[current.operator], current.values,
                                current.column, current.text)]]
        conjunctive = isinstance(current, AllOf) != negate
        parts = [walk(operand, negate) for operand in current.operands]
        if not conjunctive:
            return [term for part in parts for term in part]
        product: list[list[Comparison]] = [[]]
        for part in parts:
            product = [left + right for left in product for right in part]
            if len(product) > limit:
                raise TranslationError(f"the expression expands to more than {limit} "
                                       "alternatives; simplify it")
        return product

    terms = walk(node, False)
    if len(terms) > limit:
        raise TranslationError(f"the expression expands to more than {limit} alternatives; "
                               "simplify it")
    return terms
