"""The local analyzer's classifier: features, fitting and calibrated prediction.

Features: TF-IDF word and character n-grams of a normalized log (install paths, slugs and
numbers masked, so nothing site-specific is learned) plus the signature rules that matched
(each rule, and the type the rules decide). Model: a linear SVM; out-of-fold margins fit a
softmax temperature (class probabilities) and a Platt calibrator of the final decision's
confidence. The fitted model is stored as an artifact (artifact.py); honest cross-validation
lives in the devkit (healer_ops.devkit.evaluate.accuracy).
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from healer_ops.analysis.corpus import Example
from healer_ops.analysis.model import DIAGNOSIS_TYPES
from healer_ops.analysis.rules import ALL_RULE_IDS, Evidence, collect_evidence, decide
from healer_ops.logtext import mask_ids, mask_install_paths, mask_slugs, read_log

SEED = 0
STRATEGIES = ("rules", "classifier", "stacked", "rules+classifier")
DEFAULT_STRATEGY = "rules+classifier"


# ---------------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")  # every digit run, inside words too: versions, codes, counts


def normalize_for_model(log: str) -> str:
    """What the classifier reads: the log's fault-carrying text (read_log's focus: no noise,
    no server prefixes), with no install paths, slugs, hex ids or digits to memorize."""
    text = mask_install_paths(read_log(log).focus.lower(), root="", user="user")
    text = mask_slugs(text, "slug")
    text = mask_ids(text, uuid="hex", hex_id="hex")
    return _DIGITS.sub("0", text)


@lru_cache(maxsize=8192)
def evidence_for(log: str) -> tuple[Evidence, ...]:
    return tuple(collect_evidence(log))


def rules_decision(log: str) -> Evidence | None:
    return decide(list(evidence_for(log)))


class RuleFeatures(BaseEstimator, TransformerMixin):
    """Indicators: each rule that matched, each type with a match, the type the rules decide.
    No rule matching is the absence of features, not a feature: otherwise "nothing matched"
    would itself vote for UNKNOWN and the text would never get its say."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, logs, y=None):
        return self

    def transform(self, logs):
        rule_index = {rule_id: i for i, rule_id in enumerate(ALL_RULE_IDS)}
        n_rules, n_types = len(ALL_RULE_IDS), len(DIAGNOSIS_TYPES)
        rows, cols = [], []
        for row, log in enumerate(logs):
            evidence = evidence_for(log)
            hit = {rule_index[e.rule_id] for e in evidence}
            hit |= {n_rules + DIAGNOSIS_TYPES.index(e.diagnosis_type) for e in evidence}
            if evidence:
                hit.add(n_rules + n_types + DIAGNOSIS_TYPES.index(evidence[0].diagnosis_type))
            rows += [row] * len(hit)
            cols += sorted(hit)
        data = np.full(len(rows), self.weight)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(logs), n_rules + 2 * n_types))


RULE_WIDTH = len(ALL_RULE_IDS) + 2 * len(DIAGNOSIS_TYPES)  # RuleFeatures' columns
_HEALTHY = DIAGNOSIS_TYPES.index("HEALTHY")


def _without_rules(features, rule_width: int):
    keep = np.ones(features.shape[1], dtype=np.float32)
    keep[features.shape[1] - rule_width:] = 0.0
    return sparse.csr_matrix(features.multiply(keep))


class RuleDropoutSVC(LinearSVC):
    """A linear SVM trained on every example twice: with its rule features and without them.
    Rules explain the written corpus so well that a model seeing them always would learn
    little from the wording; the copy without rules makes the text alone a good classifier
    for the logs no rule matches (and an independent second opinion on those it does)."""

    def __init__(self, rule_width: int = 0, C: float = 1.0, class_weight=None):
        super().__init__(C=C, class_weight=class_weight)
        self.rule_width = rule_width

    def fit(self, X, y, sample_weight=None):
        if not self.rule_width:
            return super().fit(X, y, sample_weight)
        both = sparse.vstack([sparse.csr_matrix(X), _without_rules(X, self.rule_width)])
        return super().fit(both, np.concatenate([np.asarray(y), np.asarray(y)]))


def build_pipeline(with_rules: bool) -> Pipeline:
    parts = [
        ("words", TfidfVectorizer(preprocessor=normalize_for_model, ngram_range=(1, 2),
                                  token_pattern=r"(?u)\b[a-z_][a-z0-9_\-]{1,}\b",
                                  sublinear_tf=True, min_df=1, dtype=np.float32)),
        ("chars", TfidfVectorizer(preprocessor=normalize_for_model, analyzer="char_wb",
                                  ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                                  max_features=60000, dtype=np.float32)),
    ]
    if with_rules:
        parts.append(("rules", RuleFeatures(weight=1.0)))
    # A linear SVM fits in a fraction of a second on this corpus; its margins are turned into
    # probabilities by temperature scaling and the decision's confidence by a calibrator,
    # both fitted on out-of-fold margins (see fit).
    classifier = RuleDropoutSVC(rule_width=RULE_WIDTH if with_rules else 0, C=0.5,
                                class_weight="balanced")
    return Pipeline([("features", FeatureUnion(parts)), ("model", classifier)])


# ---------------------------------------------------------------------------------------------
# The fitted model and its decision
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    diagnosis_type: str
    confidence: float  # calibrated probability that diagnosis_type is right
    probabilities: dict[str, float]  # the classifier's (temperature-scaled) distribution
    evidence: tuple[Evidence, ...]
    decided_by: str  # "rules" or "classifier"


def _margins(model: Pipeline, logs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(margins, text margins), one column per DIAGNOSIS_TYPES entry (absent class: -inf).
    The text margins are the same model without the rule features: what the wording alone
    says, which decides when no rule matched and is a second opinion when one did."""
    features = model.named_steps["features"].transform(logs)
    classifier = model.named_steps["model"]
    raw = classifier.decision_function(features)
    names = [name for name, _ in model.named_steps["features"].transformer_list]
    if "rules" in names:
        raw_text = classifier.decision_function(_without_rules(features, RULE_WIDTH))
    else:
        raw_text = raw
    full = np.full((2, len(logs), len(DIAGNOSIS_TYPES)), -np.inf)
    for i, label in enumerate(classifier.classes_):
        full[0, :, DIAGNOSIS_TYPES.index(label)] = raw[:, i]
        full[1, :, DIAGNOSIS_TYPES.index(label)] = raw_text[:, i]
    return full[0], full[1]


def _softmax(margins: np.ndarray, temperature: float) -> np.ndarray:
    scaled = margins * temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    weights = np.exp(scaled)
    return weights / weights.sum(axis=1, keepdims=True)


def _choose(log: str, margins: np.ndarray, strategy: str) -> tuple[str, str]:
    evidence = evidence_for(log)
    if read_log(log).shows_failure:  # HEALTHY only when no line shows a failure
        margins = np.where(np.arange(len(margins)) == _HEALTHY, -np.inf, margins)
    model_choice = DIAGNOSIS_TYPES[int(np.argmax(margins))]
    if strategy == "rules":
        return (evidence[0].diagnosis_type if evidence else "UNKNOWN"), "rules"
    if strategy in ("classifier", "stacked") or not evidence:
        return model_choice, "classifier"
    return evidence[0].diagnosis_type, "rules"  # rules+classifier: a matching rule decides


def _logit(p: float) -> float:
    p = float(np.clip(p, 1e-6, 1 - 1e-6))
    return float(np.log(p / (1 - p)))


def _confidence_features(probabilities: np.ndarray, text_probabilities: np.ndarray,
                         chosen: str, decided_by: str) -> list[float]:
    index = DIAGNOSIS_TYPES.index(chosen)
    text_agrees = index == int(np.argmax(text_probabilities))
    return [_logit(probabilities[index]), _logit(text_probabilities[index]),
            float(decided_by == "rules"), float(text_agrees)]


@dataclass
class AbstentionCalibrator:
    """P(UNKNOWN is the right answer) for a log the analyzer abstains on, from the
    classifier's probability of UNKNOWN: Platt scaling fitted on the out-of-fold abstentions,
    or their smoothed base rate when they are too few to fit."""

    base_rate: float
    model: LogisticRegression | None = None

    def confidence(self, unknown_probability: float) -> float:
        if self.model is None:
            return self.base_rate
        return float(self.model.predict_proba(np.array([[_logit(unknown_probability)]]))[0, 1])


@dataclass
class FittedModel:
    stacked_model: Pipeline  # text + rule features
    temperature: float  # margins -> probabilities
    calibrator: LogisticRegression  # confidence features -> P(decision is right)
    text_model: Pipeline | None = None  # text features only (the "classifier" strategy)
    strategy: str = DEFAULT_STRATEGY
    n_examples: int = 0
    fit_seconds: float = 0.0
    abstention: AbstentionCalibrator | None = None

    def abstention_confidence(self, prediction: Prediction) -> float:
        """The confidence of answering UNKNOWN instead of `prediction` (an abstention)."""
        unknown = prediction.probabilities.get("UNKNOWN", 0.0)
        if self.abstention is None:
            return float(unknown)
        return float(np.clip(self.abstention.confidence(unknown), 0.0, 1.0))

    def predict(self, logs: list[str], strategy: str | None = None) -> list[Prediction]:
        strategy = strategy or self.strategy
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
        model = self.text_model if strategy == "classifier" else self.stacked_model
        if model is None:
            raise ValueError("this model was fitted without the text-only classifier")
        margins, text_margins = _margins(model, logs)
        probabilities = _softmax(margins, self.temperature)
        text_probabilities = _softmax(text_margins, self.temperature)
        choices = [_choose(log, row, strategy) for log, row in zip(logs, margins, strict=True)]
        features = [_confidence_features(proba, text_proba, chosen, by)
                    for proba, text_proba, (chosen, by)
                    in zip(probabilities, text_probabilities, choices, strict=True)]
        confidences = self.calibrator.predict_proba(np.array(features))[:, 1] if logs else []
        return [
            Prediction(chosen, float(np.clip(confidence, 0.0, 1.0)),
                       dict(zip(DIAGNOSIS_TYPES, (float(p) for p in proba), strict=True)),
                       evidence_for(log), by)
            for log, proba, (chosen, by), confidence
            in zip(logs, probabilities, choices, confidences, strict=True)]


def _fit_temperature(margins: np.ndarray, labels: list[str]) -> float:
    """The softmax temperature that minimizes the log loss of out-of-fold margins."""
    truth = np.array([DIAGNOSIS_TYPES.index(label) for label in labels])

    def loss(log_t: float) -> float:
        probabilities = _softmax(margins, float(np.exp(log_t)))
        return -float(np.mean(np.log(probabilities[np.arange(len(truth)), truth] + 1e-12)))

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 4.0), method="bounded").x))


def _fit_calibrator(features: list[list[float]], correct: list[bool]) -> LogisticRegression:
    """Platt scaling of the decision's confidence, with Platt's smoothed targets (a right
    answer counts as (N+ + 1)/(N+ + 2), a wrong one as 1/(N- + 2)) so that a corpus the rules
    always get right does not produce a confidence of 1."""
    positives, negatives = sum(correct), len(correct) - sum(correct)
    high, low = (positives + 1) / (positives + 2), 1 / (negatives + 2)
    x, y, weights = [], [], []
    for row, ok in zip(features, correct, strict=True):
        target = high if ok else low
        x += [row, row]
        y += [1, 0]
        weights += [target, 1 - target]
    return LogisticRegression(C=1.0).fit(np.array(x), np.array(y), sample_weight=weights)


# The abstention threshold the abstention calibrator is fitted at (the default of
# settings.abstain_below; another threshold reuses it, a good approximation near it).
ABSTENTION_FIT_THRESHOLD = 0.5
_MIN_ABSTENTIONS_TO_FIT = 8


def _fit_abstention(unknown_probabilities: np.ndarray, confidences: np.ndarray,
                    labels: list[str]) -> AbstentionCalibrator:
    """How often an out-of-fold abstention (confidence under the threshold) is really
    UNKNOWN, as a function of the classifier's probability of UNKNOWN."""
    unsure = confidences < ABSTENTION_FIT_THRESHOLD
    truth = [label == "UNKNOWN" for label, u in zip(labels, unsure, strict=True) if u]
    rate = (sum(truth) + 1) / (len(truth) + 2)
    if len(truth) < _MIN_ABSTENTIONS_TO_FIT or len(set(truth)) < 2:
        return AbstentionCalibrator(rate)
    features = [[_logit(p)] for p in unknown_probabilities[unsure]]
    return AbstentionCalibrator(rate, _fit_calibrator(features, truth))


def fit(examples: list[Example], strategy: str = DEFAULT_STRATEGY,
        with_text_model: bool = False, inner_folds: int = 3) -> FittedModel:
    """Fit on labelled examples (deterministic: fixed seeds). Out-of-fold margins over
    `inner_folds` folds fit the temperature and the confidence calibrator; then the model is
    refitted on everything."""
    started = time.perf_counter()
    logs = [e.log for e in examples]
    labels = [e.diagnosis_type for e in examples]
    out_of_fold = np.full((2, len(logs), len(DIAGNOSIS_TYPES)), -np.inf)
    splitter = StratifiedKFold(n_splits=inner_folds, shuffle=True, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(np.zeros(len(logs)), labels))
    for train, test in splits:
        model = build_pipeline(with_rules=True).fit([logs[i] for i in train],
                                                    [labels[i] for i in train])
        out_of_fold[:, test] = _margins(model, [logs[i] for i in test])
    out_of_fold[~np.isfinite(out_of_fold)] = out_of_fold[np.isfinite(out_of_fold)].min()
    temperature = _fit_temperature(out_of_fold[0], labels)
    probabilities = _softmax(out_of_fold[0], temperature)
    text_probabilities = _softmax(out_of_fold[1], temperature)
    features, correct = [], []
    for i, (log, label) in enumerate(zip(logs, labels, strict=True)):
        chosen, decided_by = _choose(log, out_of_fold[0, i], strategy)
        features.append(_confidence_features(probabilities[i], text_probabilities[i], chosen,
                                             decided_by))
        correct.append(chosen == label)
    calibrator = _fit_calibrator(features, correct)
    abstention = _fit_abstention(probabilities[:, DIAGNOSIS_TYPES.index("UNKNOWN")],
                                 calibrator.predict_proba(np.array(features))[:, 1], labels)
    stacked = build_pipeline(with_rules=True).fit(logs, labels)
    text = build_pipeline(with_rules=False).fit(logs, labels) if with_text_model else None
    return FittedModel(stacked, temperature, calibrator, text, strategy, len(examples),
                       time.perf_counter() - started, abstention)
