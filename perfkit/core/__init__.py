"""Layer 3, the domain core: the indicator tree, budget measures, quantities, rule families, compiling,
scoring and reconciliation, ending in one typed ``EvaluationResult``. Imports only ``errors``, ``fmt``,
``params`` and ``load``."""
