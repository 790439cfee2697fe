"""Families: resources by topic, myth cards and the quiz, the help directory, the worried path, search."""
