"""Floor 5, publishing: writing versions and class sets through the renderers, whole or not
at all, resumable."""
