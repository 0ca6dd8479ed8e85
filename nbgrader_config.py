"""nbgrader configuration for the course.

Paths are relative to this file, so the course works from any checkout.
"""
import os

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "jax-ml-astro"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# The workbook stub for a solution cell.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograding: every cell gets at most this many seconds; a student who deleted a
# test cell gets it back (and so still loses its points when the code is wrong).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# grader autograde: the whole notebook gets at most this many seconds, then its kernel is killed and
# the cells not run yet score 0 (what ran keeps its points).
c.JudgedExecute.notebook_timeout = 600
c.OverwriteCells.add_missing_cells = True

# Keep a runaway print loop from bloating the autograded notebook.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Files in source/<assignment>/ that are not copied to the release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
