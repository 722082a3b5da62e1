"""annotator: a desktop workbench in which scholars annotate their sources."""

__version__ = "0.1.0"
