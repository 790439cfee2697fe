"""Content packs: loading, checking and holding the commune's texts, cards, places and series."""
