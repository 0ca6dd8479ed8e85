"""Mutation testing of the reference solutions: operators -> generate -> run -> report (`grader audit --mutants`)."""
