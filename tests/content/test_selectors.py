"""Every block id an answer was stored against stays resolvable after editors' revisions."""

from __future__ import annotations

from content.selectors import resolve_blocks
from tests.helpers import make_module

KEEP = "aaaaaaaa-0000-4000-8000-000000000001"
REWORD = "aaaaaaaa-0000-4000-8000-000000000002"
DELETE_EARLY = "aaaaaaaa-0000-4000-8000-000000000003"
DELETE_LATE = "aaaaaaaa-0000-4000-8000-000000000004"
WORKSHEET = "aaaaaaaa-0000-4000-8000-000000000005"


def _reflection(block_id: str, question: str) -> dict:
    return {"type": "reflection", "value": {"question": question, "help_text": ""}, "id": block_id}


def _worksheet(labels: list[str]) -> dict:
    return {
        "type": "worksheet",
        "value": {
            "title": "Analysis",
            "intro": "",
            "fields": [{"label": label, "help_text": ""} for label in labels],
        },
        "id": WORKSHEET,
    }


def _publish(module, body):
    module.body = body
    module.save_revision().publish()
    module.refresh_from_db()


def test_current_blocks_resolve_as_current(programme):
    module = make_module(programme, [_reflection(KEEP, "Q1"), _worksheet(["a", "b"])])
    resolved = resolve_blocks(module, [KEEP, WORKSHEET])
    assert resolved[KEEP].current and resolved[KEEP].value["question"] == "Q1"
    assert resolved[KEEP].answer_shape == "text"
    assert resolved[WORKSHEET].answer_shape == "fields"
    assert [f["label"] for f in resolved[WORKSHEET].value["fields"]] == ["a", "b"]


def test_reordered_reworded_and_deleted_blocks_all_resolve(programme):
    module = make_module(
        programme,
        [
            _reflection(KEEP, "Kept"),
            _reflection(REWORD, "Old wording"),
            _reflection(DELETE_EARLY, "Deleted in revision two"),
            _reflection(DELETE_LATE, "First wording of the late one"),
            _worksheet(["a", "b"]),
        ],
    )
    # Revision two: reorder, reword two blocks, delete one.
    _publish(
        module,
        [
            _worksheet(["a (clearer)", "b"]),
            _reflection(DELETE_LATE, "Second wording of the late one"),
            _reflection(REWORD, "New wording"),
            _reflection(KEEP, "Kept"),
        ],
    )
    # Revision three: delete another; a draft after it changes nothing about the live page.
    _publish(module, [_reflection(KEEP, "Kept"), _reflection(REWORD, "New wording")])
    module.save_revision()

    ids = [KEEP, REWORD, DELETE_EARLY, DELETE_LATE, WORKSHEET, "not-a-block-of-this-module"]
    resolved = resolve_blocks(module, ids)

    assert set(resolved) == set(ids) - {"not-a-block-of-this-module"}
    assert resolved[KEEP].current
    assert resolved[REWORD].current and resolved[REWORD].value["question"] == "New wording"

    early = resolved[DELETE_EARLY]
    assert not early.current and early.value["question"] == "Deleted in revision two"
    assert early.block_type == "reflection" and early.revision_id is not None

    late = resolved[DELETE_LATE]  # the newest revision that had it, not the first
    assert not late.current and late.value["question"] == "Second wording of the late one"
    assert late.revision_created_at is not None

    worksheet = resolved[WORKSHEET]
    assert not worksheet.current
    assert [f["label"] for f in worksheet.value["fields"]] == ["a (clearer)", "b"]


def test_blocks_of_another_module_are_not_resolved(programme):
    module = make_module(programme, [_reflection(KEEP, "Q")], slug="one")
    other = make_module(programme, [_reflection(REWORD, "Other")], slug="two")
    assert resolve_blocks(module, [REWORD]) == {}
    assert set(resolve_blocks(other, [REWORD])) == {REWORD}
