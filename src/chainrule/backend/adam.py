"""Fast paths (being moved here from the reference modules)."""
