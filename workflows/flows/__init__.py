"""One module per flow; each is a thin wrapper over ``stats.services``."""
