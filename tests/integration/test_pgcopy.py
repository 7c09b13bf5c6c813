"""healer_ops.db.pgcopy both ways, against a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from healer_ops.db.pgcopy import binary_copy, parse_array_rows, read_array_rows


def test_arrays_read_back_as_numpy(conn):
    rows = read_array_rows(conn, (
        "SELECT 'a'::text, ARRAY[1.5, 'NaN']::float8[], ARRAY[3, -2]::int2[],"
        " ARRAY['2026-01-01T00:00:01Z', '-infinity']::timestamptz[]"
        " UNION ALL SELECT 'b', ARRAY[]::float8[], ARRAY[7]::int2[],"
        " ARRAY[%(t)s]::timestamptz[] ORDER BY 1"), {"t": datetime(1999, 12, 31, tzinfo=UTC)})
    assert [text for text, _ in rows] == ["a", "b"]
    first = rows[0][1]
    assert first[0][0] == 1.5 and np.isnan(first[0][1])
    assert first[1].tolist() == [3, -2]
    assert first[2][0] == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC).timestamp()
    assert np.isnan(first[2][1])  # -infinity: unknown
    second = rows[1][1]
    assert len(second[0]) == 0 and second[1].tolist() == [7]
    assert second[2][0] == datetime(1999, 12, 31, tzinfo=UTC).timestamp()


def test_null_elements_and_foreign_data_are_refused(conn):
    with pytest.raises(ValueError, match="NULL"):
        read_array_rows(conn, "SELECT 'a'::text, ARRAY[1, NULL]::float8[]", {})
    frame = pd.DataFrame({"x": [1.0]})
    written = b"".join(binary_copy(frame, {"x": "float8"}))
    assert written.startswith(b"PGCOPY")
    with pytest.raises(RuntimeError, match="header"):
        parse_array_rows(b"not copy data")
