"""Consultations on public space (issue 13): residents answer (residents.py), coordinators publish, close,
read the results and tag ideas (staff.py). The rules and what is stored: bot/domain/consultations.py."""
