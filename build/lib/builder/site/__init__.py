"""The MkDocs adapter: the plugin, generated pages, the module page and the widget HTML.
The only package that imports `mkdocs` or `material`; nothing imports it but `builder.cli.main`.
"""
