"""The report (above analysis, below run): text per language, sentences, tables, charts, the report document and exports."""
