"""What a build produces and the records service runs on: the course manifest, the typed
course read from it, and server-side grading (domain errors with codes, no HTTP statuses).

Imports `builder.coverage.gate`, `builder.curriculum` and the base modules, and Python-Markdown
for the one safe renderer of author text (`rendering`), shared by the manifest and the site.
"""
