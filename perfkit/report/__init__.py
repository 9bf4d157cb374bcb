"""Layer 5, the report: text per language, sentences, tables, charts, the report document and exports."""
