"""Writing parameter files for a user to fill in: a department-year or a framework scaffolded from a framework
(:mod:`~perfkit.author.scaffold`) and a framework read from an Excel 评分表 (:mod:`~perfkit.author.xlsx_import`).

Layer 5, beside :mod:`perfkit.analysis` (neither imports the other): it reads frameworks through
:mod:`perfkit.load` and asks :mod:`perfkit.core.compile` what a rule needs, and writes YAML text.
"""
