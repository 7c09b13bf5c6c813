"""The noisy stream: dev-corpus faults as busy servers log them (noise of other plugins and
themes, wrappers, line ends, time zones, cut traces), with a held-out half of the generator
that the analyzer is never tuned on. pool.py (noise lines), wrappers.py (programs, clocks),
stream.py (one variant), evaluate.py (the stream's hit rate and diagnosis changes)."""
