"""What each CLI verb does, without any output formatting."""
