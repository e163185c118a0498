"""inferstack: one validated spec of an LLM-inference stack, rendered for six engines."""

__version__ = "0.1.0"
