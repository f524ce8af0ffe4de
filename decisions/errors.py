"""The one error type for bad case input."""

MAX_MESSAGE_PART = 300


def one_line(text: object, limit: int = MAX_MESSAGE_PART) -> str:
    """`text` safe to print as part of a one-line message.

    Characters that are not printable (line breaks, control and format
    characters, lone surrogates) are written as escapes, and a long text is cut,
    so an error about hostile input is itself one short, printable line.
    """
    text = str(text)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InvalidCase(ValueError):
    """A case fact is missing, malformed or inconsistent.

    ``field`` is the JSON path of the offending fact (``recognised_damage_eur``,
    ``pgv_history[2].pgv_mm_s``); ``rule`` says in one line what was required.
    """

    def __init__(self, field: str, rule: str):
        self.field = one_line(field)
        self.rule = one_line(rule)
        super().__init__(f"{self.field}: {self.rule}")
