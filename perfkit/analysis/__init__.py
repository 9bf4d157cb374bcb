"""Layer 4, analysis of scored evaluations: target diagnostics and target-setting sensitivity.
Consumes ``EvaluationResult`` from ``perfkit.core``; returns typed results; states nothing in prose."""
