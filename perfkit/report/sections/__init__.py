"""The sections of a report, one module each; each ``section(report, n)`` returns a
:class:`~perfkit.report.tables.Section` numbered ``n`` for a :class:`~perfkit.report.document.Report`."""
