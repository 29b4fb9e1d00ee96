"""Input formats: one module per export layout, registered as ``chataudit.formats`` plugins."""
