"""Reminders and digests: who gets what, templates, channels. Works from the built course."""
