"""Every rule's documented examples are executed, so the docs cannot lie: as a timeline
through the engine, and (for membership rules) the case's senders as a member list."""

import pytest

from chataudit.rules.registry import rule_classes
from tests.timeline import (
    HOUSE_REQUIRED, HOUSE_ROLES, HOUSE_ROSTER, docstring_examples, make, run, run_members, timeline,
)

CASES = [
    (rid, section, case)
    for rid, cls in rule_classes().items()
    for section, cases in docstring_examples(cls).items()
    for case in cases
]


def test_every_rule_documents_both_kinds_of_example():
    for rid, cls in rule_classes().items():
        examples = docstring_examples(cls)
        assert examples["Violates"], f"{rid} has no Violates: example"
        assert examples["Clean"], f"{rid} has no Clean: example"


@pytest.mark.parametrize(("rid", "section", "case"), CASES, ids=[f"{r}-{s}-{i}" for i, (r, s, _) in enumerate(CASES)])
def test_documented_example(rid, section, case):
    cls = rule_classes()[rid]
    records = timeline(*case)
    found = run(make(cls, roles=HOUSE_ROLES, roster=HOUSE_ROSTER, required=HOUSE_REQUIRED), records)
    senders = list(dict.fromkeys(r.sender for r in records if hasattr(r, "sender")))
    found += run_members(make(cls, roles=HOUSE_ROLES, roster=HOUSE_ROSTER, required=HOUSE_REQUIRED), senders)
    found = [f for f in found if f.rule == rid]
    if section == "Violates":
        assert found, f"{rid} should flag: {case}"
    else:
        assert not found, f"{rid} should not flag: {case} — got {[f.message.en for f in found]}"
