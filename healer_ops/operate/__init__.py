"""The operator's loop: what people do with alerts and diagnoses (lifecycle, labels), the
API's machine tokens, analysis on demand, and the success-metrics report."""
