"""The local analyzer: labelling rules of the evaluation data, confidence, recommendations,
determinism, and a cross-validation that never scores an example it trained on."""

from __future__ import annotations

import json

import pytest

from healer_ops.analysis.corpus import (
    DEV_CORPUS,
    CorpusError,
    Example,
    load_corpus,
    read_examples,
    split_dev,
)
from healer_ops.analysis.local import LocalAnalyzer
from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.devkit.evaluate.accuracy import cross_validate, dev_folds, metrics


@pytest.fixture(scope="module")
def analyzer() -> LocalAnalyzer:
    return LocalAnalyzer()  # fitted once for the module (lazily, on first analyze)


# --- the labelling rules of ../shared/data/README.md -------------------------------------

LABELLED = [
    # memory exhaustion wins even inside a plugin file
    ("MEMORY_EXHAUSTION", "[05-May-2024 05:49:08 UTC] PHP Fatal error:  Allowed memory size of "
     "268435456 bytes exhausted (tried to allocate 20480 bytes) in "
     "/home/s/public_html/wp-content/plugins/big-importer/import.php on line 249"),
    # any Parse error is SYNTAX_ERROR; PHP writes TWO spaces after "PHP Parse error:"
    ("SYNTAX_ERROR", "PHP Parse error:  syntax error, unexpected token \"}\" in "
     "/var/www/wp-content/plugins/shop-tweaks/tweaks.php on line 12"),
    ("SYNTAX_ERROR", "Parse error: syntax error, unexpected end of file in "
     "/var/www/wp-content/themes/child/functions.php on line 80"),
    # a non-parse fatal inside plugins/<slug>/ is PLUGIN_CONFLICT, also without "PHP " prefix
    ("PLUGIN_CONFLICT", "Fatal error: Uncaught Error: Call to undefined function wc_get_x() in "
     "/var/www/html/wp-content/plugins/orders-export/export.php:214"),
    ("THEME_CONFLICT", "Fatal error: Uncaught Error: Call to undefined function theme_opt() in "
     "/var/www/html/wp-content/themes/storefront-child/header.php:9"),
    # missing core files are INTEGRITY, even when a plugin asked for them
    ("INTEGRITY", "Fatal error: require_once(): Failed opening required "
     "'/srv/site/wp-admin/includes/plugin.php' (include_path='.:/usr/share/php') in "
     "/srv/site/wp-content/plugins/old-addon/addon.php on line 47"),
    # disk-full wins over the database error it shows up as
    ("DISK_FULL", "WordPress database error Error writing file '/tmp/MYfd=40' (Errcode: 28 - No "
     "space left on device) for query SELECT * FROM wp_posts"),
    ("DISK_FULL", "Warning: mkdir(): Disk quota exceeded in /home/u/public_html/wp-includes/"
     "functions.php on line 2065"),
    # permission errors win over the update failure they cause
    ("PERMISSION", "Downloading update from https://downloads.wordpress.org/plugin/x.zip\n"
     "Unpacking the update\nCould not create directory.\nPlugin update failed."),
    # cURL error 28 and Maximum execution time are TIMEOUT (even inside a plugin)
    ("TIMEOUT", "Error: cURL error 28: Operation timed out after 10001 milliseconds with 0 bytes "
     "received"),
    ("TIMEOUT", "Fatal error: Maximum execution time of 30 seconds exceeded in "
     "/var/www/wp-content/plugins/slow-sitemap/build.php on line 312"),
    ("MAINTENANCE", "Briefly unavailable for scheduled maintenance. Check back in a minute."),
    ("DB_ERROR", "PHP Warning:  mysqli_real_connect(): (HY000/1045): Access denied for user "
     "'wp'@'localhost' (using password: YES) in /var/www/wp-includes/class-wpdb.php on line 1982"),
]


@pytest.mark.parametrize(("expected", "log"), LABELLED)
def test_labelling_rules(analyzer, expected, log):
    analysis = analyzer.analyze(log)
    assert analysis.diagnosis_type == expected, analysis.reasoning
    assert 0.0 <= analysis.confidence <= 1.0


def test_plugin_fatal_names_the_culprit_and_fills_the_slug(analyzer):
    analysis = analyzer.analyze(LABELLED[3][1])
    assert (analysis.culprit, analysis.culprit_kind) == ("orders-export", "plugin")
    commands = [r.command for r in analysis.recommendations]
    assert "wp plugin deactivate orders-export --skip-plugins --skip-themes" in commands
    assert analysis.error_type == "MISSING_CODE"
    assert "orders-export" in analysis.root_cause and "PLUGIN_CONFLICT:fatal" in analysis.reasoning


def test_php8_incompatibility_is_labelled(analyzer):
    analysis = analyzer.analyze(
        "PHP Fatal error:  Uncaught TypeError: count(): Argument #1 ($value) must be of type "
        "Countable|array, null given in /var/www/wp-content/plugins/old-gallery/g.php:246")
    assert (analysis.diagnosis_type, analysis.error_type) == ("PLUGIN_CONFLICT", "PHP8_INCOMPAT")


def test_db_error_types(analyzer):
    denied = analyzer.analyze(LABELLED[-1][1])
    assert denied.error_type == "DB_ACCESS_DENIED"
    assert "wp config get DB_USER" in [r.command for r in denied.recommendations]
    corrupt = analyzer.analyze("WordPress database error Table './wp/wp_options' is marked as "
                               "crashed and should be repaired for query SELECT 1")
    assert corrupt.error_type == "DB_CORRUPTION"
    assert "wp db repair" in [r.command for r in corrupt.recommendations]
    assert "wp db repair" not in [r.command for r in denied.recommendations]


def test_syntax_error_in_a_plugin_recommends_the_plugin_runbook(analyzer):
    analysis = analyzer.analyze(LABELLED[1][1])
    assert analysis.culprit == "shop-tweaks"
    assert "wp plugin deactivate shop-tweaks --skip-plugins --skip-themes" in [
        r.command for r in analysis.recommendations]


def test_warnings_in_a_plugin_folder_are_not_its_fault(analyzer):
    analysis = analyzer.analyze(
        "PHP Warning:  file_put_contents(/var/www/wp-content/uploads/x.json): Failed to open "
        "stream: Permission denied in /var/www/wp-content/plugins/form-cache/cache.php on line 5")
    assert analysis.diagnosis_type == "PERMISSION"
    assert analysis.culprit is None
    assert not any("form-cache" in r.command for r in analysis.recommendations)


RECOMMENDATION_LOGS = [log for _, log in LABELLED] + [
    "Error establishing a Redis connection",
    "There has been a critical error on this website.",
    "[18-Feb-2024 02:00:01 UTC] Cron reschedule event error for hook: x, Error code: "
    "could_not_set, Error message: The cron event list could not be saved.",
    "PHP Fatal error:  Uncaught Error: x in /var/www/wp-content/mu-plugins/loader.php:3",
]


@pytest.mark.parametrize("log", RECOMMENDATION_LOGS)
def test_recommendations_are_filled_wp_commands_only(analyzer, log):
    analysis = analyzer.analyze(log)
    assert analysis.analyzer == "local" and analysis.model.startswith("local-rules+")
    assert analysis.diagnosis_type in DIAGNOSIS_TYPES
    for recommendation in analysis.recommendations:
        command = recommendation.command
        assert command.startswith("wp "), command
        assert not any(token in command for token in ("{", "}", "<", ">", "$(", "|", ";")), command
    if analysis.culprit:
        assert all("{slug}" not in r.command for r in analysis.recommendations)


@pytest.mark.parametrize("log", ["", "   \n", "hello world", "\x00\x01binary",
                                 "Warning: something odd happened " * 200])
def test_confidence_is_a_probability_for_any_input(analyzer, log):
    analysis = analyzer.analyze(log)
    assert 0.0 <= analysis.confidence <= 1.0
    assert analysis.diagnosis_type in DIAGNOSIS_TYPES


@pytest.mark.parametrize("log", ["require(" * 50_000, "parse error " * 30_000,
                                 "Fatal error: in " + "a" * 300_000, "<b" * 100_000])
def test_huge_and_pathological_logs_still_get_an_analysis(analyzer, log):
    # patterns are bounded (no catastrophic backtracking) and huge logs are clipped
    analysis = analyzer.analyze(log)
    assert analysis.diagnosis_type in DIAGNOSIS_TYPES and 0.0 <= analysis.confidence <= 1.0


def test_rejects_non_text(analyzer):
    with pytest.raises(TypeError, match="log must be a str"):
        analyzer.analyze(b"bytes")


def test_classifier_decides_when_no_rule_matches(analyzer):
    log = ("db-1  | 2024-04-09 18:46:44 8 [Warning] Aborted connection 8 to db: 'unconnected' "
           "user: 'unauthenticated' host: '172.18.0.19' (This connection closed normally "
           "without authentication)")
    analysis = analyzer.analyze(log)
    assert "No signature rule matched" in analysis.reasoning
    ruled = analyzer.analyze(LABELLED[0][1])
    assert "Rule MEMORY_EXHAUSTION" in ruled.reasoning
    assert analysis.confidence < ruled.confidence


_ANALYZE_IN_A_NEW_PROCESS = """
import json, sys
from healer_ops.analysis.artifact import artifact_path
from healer_ops.analysis.local import LocalAnalyzer
logs = json.loads(sys.stdin.read())
existed = artifact_path().is_file()
analyzer = LocalAnalyzer()
print(json.dumps({"artifact_existed": existed, "version": analyzer.version,
                  "analyses": [analyzer.analyze(log).model_dump() for log in logs]}))
"""


def _analyze_in_new_process(logs: list[str], home) -> dict:
    import os
    import subprocess
    import sys

    env = {**os.environ, "HEALER_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", _ANALYZE_IN_A_NEW_PROCESS], env=env,
                          input=json.dumps(logs), capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_output_is_deterministic_across_processes_and_artifacts(tmp_path):
    """A fresh fit, the stored artifact loaded by another process, and a fit in another home
    give the same analyses (the model is fitted once per version, then loaded)."""
    logs = [log for _, log in LABELLED[:6]]
    fitted = _analyze_in_new_process(logs, tmp_path / "a")
    loaded = _analyze_in_new_process(logs, tmp_path / "a")
    elsewhere = _analyze_in_new_process(logs, tmp_path / "b")
    assert not fitted["artifact_existed"] and loaded["artifact_existed"]
    assert fitted["version"] == loaded["version"] == elsewhere["version"]
    assert fitted["analyses"] == loaded["analyses"] == elsewhere["analyses"]
    assert {a["diagnosis_type"] for a in fitted["analyses"]} != {"UNKNOWN"}


# --- corpus and cross-validation -----------------------------------------------------------

def test_corpus_covers_every_type_with_written_examples():
    dev, written = split_dev(load_corpus())
    assert len(dev) == sum(1 for line in DEV_CORPUS.read_text().splitlines() if line.strip())
    counts = {t: sum(e.diagnosis_type == t for e in written) for t in DIAGNOSIS_TYPES}
    assert min(counts.values()) >= 20, counts


def test_corpus_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "training_logs_bad.jsonl"
    path.write_text('{"id": "a", "log": "x", "diagnosis_type": "WSOD"}\n{not json\n')
    with pytest.raises(CorpusError, match=r"training_logs_bad.jsonl:2: not valid JSON"):
        read_examples(path)
    path.write_text(json.dumps({"id": "a", "log": "x", "diagnosis_type": "BROKEN"}) + "\n")
    with pytest.raises(CorpusError, match=r":1: diagnosis_type 'BROKEN' is not a diagnosis type"):
        read_examples(path)


def test_folds_never_train_on_held_out_dev_examples():
    dev, written = split_dev(load_corpus())
    copy_of_dev = Example("w-copy", dev[0].log.upper() + "  ", dev[0].diagnosis_type,
                          corpus="training_logs_written.jsonl")
    folds = dev_folds(dev, [*written, copy_of_dev], k=5)
    tested = [e.id for fold in folds for e in fold.test]
    assert sorted(tested) == sorted(e.id for e in dev)  # each dev example held out once
    for fold in folds:
        held_out = {e.id for e in fold.test}
        train_ids = {e.id for e in fold.train}
        assert not held_out & train_ids
        held_out_text = {" ".join(e.log.split()).lower() for e in fold.test}
        assert not any(" ".join(e.log.split()).lower() in held_out_text for e in fold.train)
        kept = {e.id for e in written if " ".join(e.log.split()).lower() not in held_out_text}
        assert kept <= train_ids  # every other written example is always in training
        assert ("w-copy" in train_ids) == (dev[0].id not in held_out)
    # stratified: every type with at least k examples is in every test fold
    plugin_folds = [sum(e.diagnosis_type == "PLUGIN_CONFLICT" for e in f.test) for f in folds]
    assert min(plugin_folds) >= 1


def test_cross_validated_accuracy_on_the_dev_corpus():
    scored = cross_validate(k=3, strategies=("rules+classifier",))["rules+classifier"]
    figures = metrics(scored)
    assert figures["n"] == len(split_dev(load_corpus())[0])
    assert figures["accuracy"] >= 0.9, figures["errors"]
    assert figures["accuracy_with_alt"] >= figures["accuracy"]
    assert sum(row["n"] for row in figures["reliability"]) == figures["n"]
    assert 0.0 <= figures["brier_confidence"] <= 1.0


@pytest.mark.slow
def test_an_unreadable_artifact_is_refitted_and_replaced(tmp_path, monkeypatch, caplog):
    from healer_ops.analysis import artifact
    from healer_ops.settings import reset_settings

    monkeypatch.setenv("HEALER_HOME", str(tmp_path))
    reset_settings()
    artifact.default_model.cache_clear()
    path = artifact.artifact_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    try:
        model = artifact.default_model()
        assert "unreadable" in caplog.text
        assert artifact.load(path) is not None  # replaced by a whole, loadable file
        assert model.predict([LABELLED[0][1]])[0].diagnosis_type == LABELLED[0][0]
    finally:
        artifact.default_model.cache_clear()
        reset_settings()


# --- noise, HEALTHY and abstention -----------------------------------------------------------

FATAL_IN_PLUGIN = ("[05-Mar-2024 10:11:13 UTC] PHP Fatal error:  Uncaught Error: Call to "
                   "undefined function acme_boot() in /var/www/html/wp-content/plugins/acme-forms/"
                   "inc/boot.php:41\nStack trace:\n#0 {main}\n  thrown in /var/www/html/"
                   "wp-content/plugins/acme-forms/inc/boot.php on line 41")
NOISE_LINES = (
    "[05-Mar-2024 10:11:12 UTC] PHP Deprecated:  Creation of dynamic property Foo::$bar is "
    "deprecated in /var/www/html/wp-content/plugins/other-plugin/a.php on line 3",
    "[05-Mar-2024 10:11:12 UTC] PHP Notice:  Undefined index: page in /var/www/html/wp-content/"
    "themes/some-theme/functions.php on line 77",
    "[05-Mar-2024 10:11:12 UTC] PHP Warning:  Cannot modify header information - headers "
    "already sent by (output started at /var/www/html/wp-content/plugins/chatty/c.php:1) in "
    "/var/www/html/wp-includes/pluggable.php on line 1435",
    '203.0.113.9 - - [05/Mar/2024:10:11:12 +0000] "GET /wp-cron.php HTTP/1.1" 200 0 "-" "WP"',
)


@pytest.mark.parametrize("where", ["before", "after", "around"])
def test_noise_of_other_plugins_never_changes_the_diagnosis(analyzer, where):
    noise = "\n".join(NOISE_LINES)
    log = {"before": f"{noise}\n{FATAL_IN_PLUGIN}", "after": f"{FATAL_IN_PLUGIN}\n{noise}",
           "around": f"{noise}\n{FATAL_IN_PLUGIN}\n{noise}"}[where]
    clean, noisy = analyzer.analyze(FATAL_IN_PLUGIN), analyzer.analyze(log)
    assert (noisy.diagnosis_type, noisy.culprit) == (clean.diagnosis_type, clean.culprit) == (
        "PLUGIN_CONFLICT", "acme-forms")


def test_healthy_only_when_no_line_shows_a_failure(analyzer):
    notices = "\n".join(NOISE_LINES[:2])
    assert analyzer.analyze(notices).diagnosis_type == "HEALTHY"
    for failing in (FATAL_IN_PLUGIN, "Warning: mysqli_real_connect(): (HY000/2002): Connection "
                    "refused in /var/www/wp-includes/class-wpdb.php on line 1987",
                    "Error: cURL error 6: Could not resolve host: api.wordpress.org"):
        for healthy_looking in (notices, "HTTP/1.1 200 OK", "Success: Rewrite rules flushed."):
            analysis = analyzer.analyze(f"{healthy_looking}\n{failing}")
            assert analysis.diagnosis_type != "HEALTHY", (failing, analysis.reasoning)


def test_under_the_threshold_the_analyzer_abstains_with_its_best_guess():
    model = LocalAnalyzer().model
    abstained = 0
    for log in ("Checkout stopped working after the last update, customers see an error.",
                "Something went wrong on the site yesterday evening.",
                "The homepage loads slowly since Monday"):
        guess = LocalAnalyzer(model, abstain_below=0.0).analyze(log)  # never abstains
        unsure = LocalAnalyzer(model, abstain_below=1.0).analyze(log)  # always abstains
        if guess.diagnosis_type == "UNKNOWN":
            assert unsure.diagnosis_type == "UNKNOWN"
            continue
        abstained += 1
        assert unsure.diagnosis_type == "UNKNOWN" and unsure.error_type is None
        assert f"best guess {guess.diagnosis_type} at {guess.confidence:.2f}" in unsure.reasoning
        assert 0.0 <= unsure.confidence <= 1.0
        assert all(r.command.startswith("wp ") for r in unsure.recommendations)
        default = LocalAnalyzer(model).analyze(log)  # the default threshold: 0.5
        assert (default.diagnosis_type == "UNKNOWN") == (guess.confidence < 0.5)
    assert abstained, "no log exercised the abstention"
    with pytest.raises(ValueError, match="abstain_below"):
        LocalAnalyzer(model, abstain_below=1.5)
