"""The youth space: content for 13-17 year-olds that stores nothing about them (space.py)."""
