"""Views of a Derivation: terminal (Rich), JSON, LaTeX. Each is one function of the data."""
