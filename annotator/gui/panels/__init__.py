"""The dockable panels: documents, codebook, annotations table, inspector, entities."""
