"""Reminders and manager digests: who gets what (`plan`), templates (`templates`), channels
(`channels`: SMTP via aiosmtplib, chat webhooks via httpx) and the run (`remind`).

Works from the built course and the store (layer 3) and below; never imports `reports/`
(same layer) or `curriculum/`.
"""
