"""`healer-ops bench redaction`: how much the redactor leaks, how much it takes that it should
not, and how fast it is.

- Leaks, on the secret-laden corpus (healer_ops.devkit.secrets_corpus, written before the
  rules): a log leaks when a planted value, or an 8-character piece of it, survives. The
  held-out kinds are reported apart; other seeds draw other values and shapes.
- False redaction, on the labelled corpora (real dev excerpts and written examples): logs
  where anything beyond personal data was redacted, by rule; the corpus's kept diagnostic
  text that went missing; and whether the local analyzer answers the same (type and culprit)
  on the redacted log as on the raw one.
- Speed: milliseconds per dev-corpus log, and one 18 MB log line (redaction bounds its work:
  the line is cut to MAX_REDACT_CHARS first); wall-clock and CPU time (the CPU figure is the
  one that holds on a shared, loaded machine).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from healer_ops.analysis.redact import MAX_REDACT_CHARS, redact, redact_with_report
from healer_ops.devkit.secrets_corpus import SEED, SecretLog, generate, leaked

PERSONAL_RULES = {"ipv4", "ipv6", "email", "phone", "db_user"}
HUGE_LINE_BYTES = 18_000_000


def leak_report(logs: list[SecretLog]) -> dict:
    """Leak rate, kinds and the diagnostic text lost on a list of corpus logs."""
    leaking: Counter[str] = Counter()
    secrets_leaked = kept_lost = kept_total = 0
    examples = []
    for log in logs:
        clean = redact(log.log)
        found = leaked(clean, log.secrets)
        if found:
            leaking[log.kind] += 1
            secrets_leaked += len(found)
            examples.append(log.id)
        kept_total += len(log.keep)
        kept_lost += sum(1 for text in log.keep if text not in clean)
    kinds = sorted({log.kind for log in logs})
    return {
        "logs": len(logs), "kinds": len(kinds), "secrets": sum(len(x.secrets) for x in logs),
        "leaking_logs": sum(leaking.values()),
        "leak_rate": round(sum(leaking.values()) / len(logs), 4) if logs else 0.0,
        "secrets_leaked": secrets_leaked, "leaking_by_kind": dict(leaking),
        "leaking_examples": examples[:10],
        "diagnostic_text_kept": f"{kept_total - kept_lost}/{kept_total}",
        "kind_names": kinds,
    }


def false_redaction(examples: list[dict], local=None) -> dict:
    """What redaction does to logs without planted secrets (real and written excerpts)."""
    if local is None:
        from healer_ops.analysis.local import LocalAnalyzer

        local = LocalAnalyzer()
    rules: Counter[str] = Counter()
    touched = beyond_personal = type_changed = culprit_changed = 0
    chars_before = chars_after = 0
    changed_ids = []
    for example in examples:
        raw = example["log"]
        clean, counts = redact_with_report(raw)
        rules.update(counts)
        touched += bool(counts)
        if set(counts) - PERSONAL_RULES:
            beyond_personal += 1
        chars_before += len(raw)
        chars_after += len(clean)
        before, after = local.analyze(raw), local.analyze(clean)
        if before.diagnosis_type != after.diagnosis_type:
            type_changed += 1
            changed_ids.append(example["id"])
        elif before.culprit != after.culprit:
            culprit_changed += 1
            changed_ids.append(example["id"])
    return {"logs": len(examples), "logs_redacted": touched,
            "logs_redacted_beyond_personal_data": beyond_personal,
            "replacements_by_rule": dict(rules.most_common()),
            "analysis_type_changed": type_changed, "analysis_culprit_changed": culprit_changed,
            "changed_examples": changed_ids[:10],
            "length_ratio": round(chars_after / chars_before, 4) if chars_before else 1.0}


def speed(examples: list[dict], huge_bytes: int = HUGE_LINE_BYTES) -> dict:
    """Milliseconds per log on the examples, and the seconds for one huge log line."""
    redact("warm-up: sk_live_0000000000000000 +1 415 555 0132")  # imports, compiled patterns
    times, cpu_started = [], time.process_time()
    for example in examples:
        started = time.perf_counter()
        redact(example["log"])
        times.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(1, len(examples))
    unit = ("[12-Mar-2024 10:22:31 UTC] PHP Warning:  Undefined array key \"password\" in "
            "/var/www/html/wp-content/plugins/shop/includes/api.php on line 41 {\"api_key\":"
            "\"AbC123xyz789\",\"ip\":\"203.0.113.9\"} ")
    line = (unit * (huge_bytes // len(unit) + 1))[:huge_bytes]
    started, cpu_started = time.perf_counter(), time.process_time()
    clean = redact(line)
    huge_seconds = time.perf_counter() - started
    huge_cpu = time.process_time() - cpu_started
    return {"ms_per_log_mean": round(statistics.fmean(times), 3),
            "cpu_ms_per_log_mean": round(cpu_ms, 3),
            "ms_per_log_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 3),
            "ms_per_log_max": round(max(times), 3),
            "huge_line_bytes": len(line), "huge_line_seconds": round(huge_seconds, 3),
            "huge_line_cpu_seconds": round(huge_cpu, 3),
            "huge_line_chars_redacted": len(clean), "max_redact_chars": MAX_REDACT_CHARS}


def redaction_report(seeds: tuple[int, ...] = (SEED,), per_kind: int = 4) -> dict:
    """The whole benchmark: leaks per seed (main and held-out), false redaction, speed."""
    from healer_ops.analysis.corpus import DEV_CORPUS
    from healer_ops.devkit.bench.analysis import load_labelled_logs

    started = time.perf_counter()
    report: dict = {"corpus": {}, "held_out": {}}
    for seed in seeds:
        report["corpus"][str(seed)] = leak_report(generate(seed, per_kind))
        report["held_out"][str(seed)] = leak_report(generate(seed, per_kind, held_out=True))
    dev = load_labelled_logs(DEV_CORPUS)
    written = load_labelled_logs(DEV_CORPUS.with_name("training_logs_written.jsonl"))
    report["false_redaction"] = {"dev": false_redaction(dev), "written": false_redaction(written)}
    report["speed"] = speed(dev)
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report
