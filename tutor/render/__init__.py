"""Views of a result: terminal (Rich), JSON, LaTeX — one dispatch on the result's type per format (`views`)."""
