"""Built-in detectors, one artifact type per module."""
