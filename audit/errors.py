"""Errors the CLI turns into exit statuses: bad input is 2, anything else is 1."""

from decisions.errors import InvalidCase, one_line


class BadInput(ValueError):
    """A command was given something it cannot use (a missing seq, an impossible date).

    Like `InvalidCase`, it names the field and the rule, in one line.
    """

    def __init__(self, field: str, rule: str):
        self.field = one_line(field)
        self.rule = one_line(rule)
        super().__init__(f"{self.field}: {self.rule}")


BAD_INPUT = (InvalidCase, BadInput)
