"""The model price table: built in (the plan's gpt-4 and gpt-4-turbo, current models),
extended by the operator (a file, an environment variable), and clear about what is wrong."""

from __future__ import annotations

import json

import pytest

from healer_ops.analysis.prices import (
    PriceTableError,
    UnknownModelPrice,
    model_prices,
    price_table,
)
from healer_ops.settings import Settings


@pytest.mark.parametrize("model,prices", [
    ("gpt-4", (30.0, 30.0, 60.0)),
    ("gpt-4-0613", (30.0, 30.0, 60.0)),  # a dated snapshot takes its base's price
    ("gpt-4-turbo", (10.0, 10.0, 30.0)),
    ("gpt-4-turbo-2024-04-09", (10.0, 10.0, 30.0)),  # not gpt-4's
    ("gpt-4-1106-preview", (10.0, 10.0, 30.0)),
    ("gpt-4o-2024-08-06", (2.5, 1.25, 10.0)),
    ("gpt-4.1-mini-2025-04-14", (0.4, 0.1, 1.6)),
    ("gpt-5.4-mini", (0.75, 0.075, 4.5)),  # not gpt-5.4's
    ("o4-mini", (1.1, 0.275, 4.4)),
])
def test_built_in_prices(model, prices):
    assert model_prices(model, price_table(Settings())) == prices


def test_the_operator_extends_and_overrides_from_a_file_and_the_environment(tmp_path):
    toml = tmp_path / "prices.toml"
    toml.write_text('[models]\n"my-llama" = [0.2, 0.1, 0.4]\n"gpt-4" = [25, 25, 50]\n')
    table = price_table(Settings(ai_prices_file=toml))
    assert table["my-llama"] == (0.2, 0.1, 0.4) and table["gpt-4"] == (25.0, 25.0, 50.0)
    as_json = tmp_path / "prices.json"
    as_json.write_text(json.dumps({"my-llama": {"input": 1, "output": 2}}))
    settings = Settings(ai_prices_file=as_json,
                        ai_model_prices={"my-llama": [3, None, 4], "azure-gpt": [1, 2]})
    table = price_table(settings)
    assert table["my-llama"] == (3.0, 3.0, 4.0)  # the variable wins over the file
    assert table["azure-gpt"] == (1.0, 1.0, 2.0)  # no cached price: input's
    assert model_prices("azure-gpt-2025-01-01", table) == (1.0, 1.0, 2.0)


@pytest.mark.parametrize("entry,problem", [
    ([1], "expected [input, cached_input, output]"),
    ([1, -2, 3], "cached_input must be a non-negative number"),
    (["cheap", 1, 2], "input must be a non-negative number"),
    ({"input": 1, "outptu": 2}, "unknown keys ['outptu']"),
])
def test_a_bad_entry_names_where_and_what(entry, problem):
    with pytest.raises(PriceTableError, match="HEALER_AI_MODEL_PRICES: price of 'x'") as err:
        price_table(Settings(ai_model_prices={"x": entry}))
    assert problem in str(err.value)


def test_a_bad_file_names_itself(tmp_path):
    broken = tmp_path / "prices.json"
    broken.write_text("{not json")
    with pytest.raises(PriceTableError, match=f"HEALER_AI_PRICES_FILE {broken}: not valid JSON"):
        price_table(Settings(ai_prices_file=broken))


def test_an_unknown_model_is_refused_with_the_fix():
    with pytest.raises(UnknownModelPrice) as err:
        model_prices("gpt-99", price_table(Settings()))
    message = str(err.value)
    assert "'gpt-99'" in message and "HEALER_AI_MODEL_PRICES" in message
    assert "HEALER_AI_PRICES_FILE" in message and "gpt-4-turbo" in message
