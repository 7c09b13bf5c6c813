"""What an LLM model costs: the built-in price table, extended by the operator, and the check
that refuses a run whose model has no known price.

Prices are USD per million tokens: (input, cached input, output). The table is, in order,
each later source overriding an earlier one:

1. `settings.MODEL_PRICES_PER_MTOK`, the built-in table (OpenAI's published prices; the
   plan's gpt-4 and gpt-4-turbo included);
2. the file `HEALER_AI_PRICES_FILE` (JSON or TOML);
3. the environment variable `HEALER_AI_MODEL_PRICES` (JSON).

An entry is `[input, cached_input, output]` or `{"input": ..., "cached_input": ...,
"output": ...}`; a null or missing cached price means the model has no cached-input discount.
A dated snapshot (`gpt-4.1-mini-2025-04-14`) takes the price of its longest known base name.

A model with no price is refused when the run starts (`UnknownModelPrice`, a ValueError with
the fix in its message), never answered by a silent fallback on every call.
"""

from __future__ import annotations

import json
import math
import tomllib
from functools import lru_cache
from pathlib import Path

from healer_ops.settings import MODEL_PRICES_PER_MTOK, Settings, get_settings

Prices = tuple[float, float, float]


class UnknownModelPrice(ValueError):
    """The configured model has no price: its cost could be neither counted nor capped."""


class PriceTableError(ValueError):
    """An operator's price entry that cannot be read (names the source and the model)."""


def price_table(settings: Settings | None = None) -> dict[str, Prices]:
    """The built-in prices, then the operator's file, then the operator's variable."""
    settings = settings or get_settings()
    file = settings.ai_prices_file
    stamp = Path(file).stat().st_mtime_ns if file and Path(file).exists() else None
    return dict(_table(str(file) if file else None, stamp,
                       json.dumps(settings.ai_model_prices or {}, sort_keys=True)))


@lru_cache(maxsize=8)
def _table(file: str | None, _stamp: int | None, env_json: str) -> dict[str, Prices]:
    table = dict(MODEL_PRICES_PER_MTOK)
    if file:
        table.update(_read_file(Path(file)))
    for model, entry in json.loads(env_json).items():
        table[model] = parse_entry(entry, "HEALER_AI_MODEL_PRICES", model)
    return table


def model_prices(model: str, table: dict[str, Prices] | None = None) -> Prices:
    """(input, cached input, output) USD per million tokens; dated snapshots use their base."""
    table = price_table() if table is None else table
    if model in table:
        return table[model]
    bases = [name for name in table if model.startswith(name + "-")]
    if bases:
        return table[max(bases, key=len)]
    raise UnknownModelPrice(
        f"no price for the model {model!r} (HEALER_AI_MODEL): its cost could not be counted "
        "or kept under HEALER_AI_BUDGET_USD, so the openai analyzer refuses to start. Add it, "
        "in USD per million tokens, with HEALER_AI_MODEL_PRICES='{\"" + model + "\": "
        "[input, cached_input, output]}' or in the file HEALER_AI_PRICES_FILE; known models: "
        + ", ".join(sorted(table)))


def parse_entry(entry, source: str, model: str) -> Prices:
    """One price entry as (input, cached input, output); a clear error naming where."""
    where = f"{source}: price of {model!r}"
    if isinstance(entry, dict):
        unknown = set(entry) - {"input", "cached_input", "output"}
        if unknown:
            raise PriceTableError(f"{where}: unknown keys {sorted(unknown)} (expected input, "
                                  "cached_input, output)")
        entry = [entry.get("input"), entry.get("cached_input"), entry.get("output")]
    if not isinstance(entry, list | tuple) or len(entry) not in (2, 3):
        raise PriceTableError(f"{where}: expected [input, cached_input, output] or "
                              f"[input, output], got {entry!r}")
    if len(entry) == 2:
        entry = [entry[0], None, entry[1]]
    price_in, cached, price_out = entry
    if cached is None:
        cached = price_in
    values = (price_in, cached, price_out)
    for name, value in zip(("input", "cached_input", "output"), values, strict=True):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value) or value < 0:
            raise PriceTableError(f"{where}: {name} must be a non-negative number of USD per "
                                  f"million tokens, got {value!r}")
    return float(price_in), float(cached), float(price_out)


def _read_file(path: Path) -> dict[str, Prices]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise PriceTableError(f"HEALER_AI_PRICES_FILE {path}: cannot be read ({exc})") from exc
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise PriceTableError(f"HEALER_AI_PRICES_FILE {path}: not valid "
                              f"{'TOML' if path.suffix.lower() == '.toml' else 'JSON'} "
                              f"({exc})") from exc
    if isinstance(data, dict) and isinstance(data.get("models"), dict):
        data = data["models"]  # TOML: [models] table, one "model" = [...] per line
    if not isinstance(data, dict):
        raise PriceTableError(f"HEALER_AI_PRICES_FILE {path}: expected an object of model -> "
                              "price")
    return {model: parse_entry(entry, f"HEALER_AI_PRICES_FILE {path}", model)
            for model, entry in data.items()}
