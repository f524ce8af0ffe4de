"""The pure decision engine of dh-audit."""

# The version of the decision engine, recorded with every decision (see CHANGELOG.md).
ENGINE_VERSION = "0.2.0"
