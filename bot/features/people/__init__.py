"""People: onboarding (notice, language, role, territory), menu and help, settings, privacy."""
