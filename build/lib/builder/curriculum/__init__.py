"""What authors write: sources, YAML with positions, schema and quiz checks, references,
diagnostics, the model, paths, the scaffold and the criteria catalogue.

Imports only `builder.config`, `builder.errors` and `builder.markup`.
"""
