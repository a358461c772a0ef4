"""Instructor and student tooling around nbgrader (``lmkit course``, ``lmkit grade``, ...).

This package never imports torch or lmkit's kernels: grading must not depend
on the model code it grades. nbgrader runs as subprocesses, in temporary course
roots, so no gradebook or grading folder is created in the repository.

Modules: ``paths`` (course layout, running nbgrader), ``notebooks`` (notebook
JSON helpers), ``release`` (course/ from solutions/, drift check),
``submissions`` (finding students' notebooks), ``grade`` (batch autograding),
``validate`` (a student's pre-submission check), ``start`` (open the course).
"""

from .paths import CourseError

__all__ = ["CourseError"]
