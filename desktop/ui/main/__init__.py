"""The main window's parts: its menus and actions, and the commands they run (editing, files)."""
