"""Anonymised publication: statistics, their tables, disclosure control, publishing and serving with Datasette."""
