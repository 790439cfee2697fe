"""Trainings: professionals' micro-trainings, certificates and /verify, spaced reminders."""
