"""Text helpers shared by rules: normalisation, counting, matching."""
