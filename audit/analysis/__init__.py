"""Analysis of a ledger: replay, comparison of frameworks and boundary cases, each case by case and in bulk."""
