"""Dialogs: document details (metadata), About, the tag finder, import progress."""
