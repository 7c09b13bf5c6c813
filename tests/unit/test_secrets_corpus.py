"""The secret-laden corpus: big and varied enough, deterministic, and its leak check exact."""

from __future__ import annotations

from healer_ops.devkit.secrets_corpus import HELD_OUT_KINDS, KINDS, generate, leaked


def test_corpus_has_at_least_100_logs_of_25_kinds():
    logs = generate()
    assert len(logs) >= 100
    assert len({log.kind for log in logs}) >= 25
    assert len(generate(held_out=True)) >= 4 * len(HELD_OUT_KINDS)
    assert not set(KINDS) & set(HELD_OUT_KINDS)


def test_corpus_is_deterministic_per_seed():
    assert generate(seed=5) == generate(seed=5)
    assert [x.log for x in generate(seed=5)] != [x.log for x in generate(seed=6)]


def test_every_log_carries_its_planted_secrets_and_kept_text():
    for log in generate() + generate(held_out=True):
        assert log.secrets, log.id
        assert leaked(log.log, log.secrets) == list(log.secrets), log.id
        assert all(k in log.log for k in log.keep), log.id


def test_leak_check_counts_pieces_and_short_tokens():
    secret = "Xy7-abcdefgh-12"
    assert leaked("pw=[REDACTED]", [secret]) == []
    assert leaked("pw=abcdefgh", [secret]) == [secret]  # an 8-character piece
    assert leaked("pw=Xy7-abc", [secret]) == []
    assert leaked("cvv=482 ok", ["482"]) == ["482"]
    assert leaked("exp=0482", ["482"]) == []
