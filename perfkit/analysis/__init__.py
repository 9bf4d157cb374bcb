"""Analysis of scored evaluations (above core, below report): target diagnostics and target-setting sensitivity.
Consumes ``EvaluationResult`` from ``perfkit.core``; returns typed results; states nothing in prose."""
