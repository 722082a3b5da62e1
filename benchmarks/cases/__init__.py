"""The benchmark cases, one module per area; each case returns rows of the table."""
