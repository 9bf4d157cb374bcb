"""Scoring rule families, one module each, and the registry that finds them.

A family module (``perfkit/rules/<name>.py``) holds everything about its family: the settings model a
parameter file writes, the vectorised score function, how a leaf's inputs compile into arrays, the
explanation, its flags, its alternative readings and how sensitivity perturbs it — all in one
:class:`~perfkit.rules.base.Family` named ``FAMILY``. Modules are found here automatically, so a new
family is one new file (plus its tests, its docs entry and one template line per language); scoring,
reconciliation, the report and sensitivity look families up and never branch on a name.

The families sit below ``perfkit.params``, which builds its ``RuleSpec`` union from their settings
models; they import only ``perfkit.errors``, ``perfkit.fmt``, numpy, pydantic and each other. The
low-target penalty overlay (偏离度, :mod:`.low_target_penalty`) and zero-if overrides (:mod:`.zero_if`)
are modules too, without a registry entry: they lie over families rather than being chosen by ``family``.
The families and the reports they come from are listed in ``../shared/design/scoring-rules.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Union

from pydantic import Field

from . import base
from . import sum as _sum_family
from .base import Family

__all__ = ["REGISTRY", "Family", "family", "families"]


def _discover() -> dict[str, Family]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        fam = getattr(module, "FAMILY", None)
        if isinstance(fam, Family):
            found.append(fam)
    found.sort(key=lambda f: (f.order, f.name))
    registry: dict[str, Family] = {}
    for fam in found:
        if fam.name in registry:
            raise ValueError(f"rule family {fam.name!r} is registered twice")
        registry[fam.name] = fam
    return registry


REGISTRY: dict[str, Family] = _discover()
"""Every rule family by name, in a fixed order (each family's ``order``, then its name)."""

# An alternative reading (and a part of a sum) may be a rule of any family: the forward reference ``RuleSpec``
# in the modules that declare them (``base.Alternative``, ``sum.Part``) is this union, bound in their namespaces
# now that every family's settings model exists. Pydantic resolves it there when a model is first built: every
# schema model defers its build (``base.Model``), so importing perfkit builds only this: Alternative, whose
# schema holds every family's (each alternative may be a rule of any family). Every model built later (a
# framework, a department-year, one family's settings) reuses it instead of generating the union again.
_RULE_SPEC = Annotated[Union[tuple(f.settings for f in REGISTRY.values())], Field(discriminator="family")]
base.RuleSpec = _sum_family.RuleSpec = _RULE_SPEC
base.Alternative.model_rebuild()


def family(name: str) -> Family:
    """The family called ``name`` (a rule's ``family`` setting, or a compiled row's)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no rule family {name!r}; the families are {', '.join(REGISTRY)}") from None


def families() -> list[Family]:
    """Every family, in registry order."""
    return list(REGISTRY.values())
