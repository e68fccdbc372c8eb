"""The records service: grading, identity, the hash-chained ledger, storage, `serve`."""
