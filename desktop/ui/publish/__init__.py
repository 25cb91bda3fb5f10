"""Publishing previews from the desktop: the publish dialog and where a publish starts."""
