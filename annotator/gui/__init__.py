"""The workbench GUI (PySide6): a thin layer over annotator.core.

Each widget renders the model and turns gestures into core calls, each one
ProjectModel.do: one change set of the core's journal, one generic undo step
(undo.py); views redraw from the OpChanges the core returns (project_model.py). Nothing here is imported by the CLI until the GUI starts.
"""
