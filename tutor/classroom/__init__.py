"""classroom: what instructors and students do with nnstep — practice sessions, grading a class, variants,
exam sheets and Moodle quizzes. Imports the views (render/) and everything below them.
"""
