"""The noisy stream: dev-corpus faults as busy servers log them (noise of other plugins and
themes, wrappers, line ends, time zones, cut traces), with held-out parts of the generator
reported apart (pool.py says which were tuned on). pool.py (noise lines), wrappers.py
(programs, clocks), fresh.py (the fresh held-out part's own noise, wrappers, zones, line ends),
stream.py (one variant), evaluate.py (the stream's hit rate and diagnosis changes)."""
