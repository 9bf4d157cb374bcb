"""Former home of the report document, kept as a thin re-export for notebooks outside the repository:
use :mod:`perfkit.report.document` (``Report``) and :func:`perfkit.load.resolve_params_dir`."""

from ..load import resolve_params_dir
from .document import Report

__all__ = ["Report", "resolve_params_dir"]
