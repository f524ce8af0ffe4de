"""The one error type for bad case input."""


class InvalidCase(ValueError):
    """A case fact is missing, malformed or inconsistent.

    ``field`` is the JSON path of the offending fact (``recognised_damage_eur``,
    ``pgv_history[2].pgv_mm_s``); ``rule`` says in one line what was required.
    """

    def __init__(self, field: str, rule: str):
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")
