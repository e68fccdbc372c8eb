"""The command line: the only package that imports click or uvicorn; one module per command
group. The only place where exceptions become exit codes.
"""
