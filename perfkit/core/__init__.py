"""The domain core (the layer above load and schema, below analysis): the indicator tree, budget measures, quantities, compiling (through the rule
families of ``perfkit.rules``), scoring and reconciliation, ending in one typed ``EvaluationResult``.
Imports only ``errors``, ``fmt``, ``rules``, ``params`` and ``load``."""
