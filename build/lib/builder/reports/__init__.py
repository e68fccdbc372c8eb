"""One function per report (due, completion, questions, feedback, evidence, populations,
dashboard data), called by the CLI and the web alike, and their rendering (tables, exports,
charts, the dashboard).

Works from the built `builder.course`, never from `builder.curriculum`.
"""
