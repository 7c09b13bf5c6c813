"""A candidate pattern's id follows from its key, so a re-run or retry makes the same row."""

from __future__ import annotations

import uuid

from healer_ops.patterns.learn import candidate_id


def test_the_same_key_gives_the_same_id_and_another_key_another():
    key = ("WSOD", "EMPTY_RESPONSE", "", "465886bc0c3dbe68091f548f06b6a596")
    assert candidate_id(*key) == candidate_id(*key)
    assert uuid.UUID(candidate_id(*key)).version == 5
    others = {candidate_id("WSOD", "EMPTY_RESPONSE", "akismet", key[3]),
              candidate_id("WSOD", "HTTP_500", "", key[3]),
              candidate_id("PLUGIN_CONFLICT", "EMPTY_RESPONSE", "", key[3]),
              candidate_id(*key[:3], "0" * 32),
              # the separator keeps fields apart: ("ab", "c") is not ("a", "bc")
              candidate_id("WSOD", "EMPTY_RESPONSEx", "", key[3])}
    assert candidate_id(*key) not in others and len(others) == 5
