"""The workbench GUI (PySide6): a thin layer over annotator.core.

Each widget renders the model and turns gestures into core calls, one QUndoCommand
each (commands.py); views redraw from the change set the core returns
(project_model.py). Nothing here is imported by the CLI until the GUI starts.
"""
