"""Shared fixtures; the base case and its builder are in `tests.support.cases`."""

from __future__ import annotations

import pytest

from tests.support.cases import case_data


@pytest.fixture
def make_case():
    from decisions.inputs import parse_case

    def build(**overrides):
        return parse_case(case_data(**overrides))

    return build
