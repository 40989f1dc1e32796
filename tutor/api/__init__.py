"""The Python API for notebooks and scripts: `tutor.solve(...)` (in `tutor.api.solution`), above the views and
the classroom, below the command line."""
