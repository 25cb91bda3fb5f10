"""File-related windows: where an artist saves a task's files."""
