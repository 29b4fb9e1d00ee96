"""Rules: one module per family, registered as ``chataudit.rules`` plugins."""
