"""A separate writer process for the concurrency and crash tests.

Usage: python ledger_writer.py DB COUNT PREFIX
Appends COUNT cases one by one and prints each seq as soon as `append` returned.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `tests.support`

from tests.support.cases import case_data  # noqa: E402
from audit.ledger import Ledger  # noqa: E402
from audit.ledger.recording import record_case
from decisions.inputs import parse_case  # noqa: E402


def main() -> None:
    db, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ledger = Ledger(db)
    for i in range(count):
        case = parse_case(case_data(case_id=f"{prefix}-{i:05d}", pgv_5mms_events=i % 7))
        record = record_case(ledger, case, actor=f"writer-{prefix}")
        print(record.seq, case.case_id, flush=True)


if __name__ == "__main__":
    main()
