"""nbgrader configuration for the lmkit course.

Layout: instructors edit ``solutions/<assignment>/*.ipynb`` (nbgrader source
notebooks); ``lmkit course release`` generates the student notebooks into
``course/<assignment>/``. Grading never happens in this folder: ``lmkit grade``
copies this file into a throw-away course root per student and overrides the
paths and the gradebook on the command line.

If you run plain ``nbgrader`` commands from the repository root (for example the
formgrader), the gradebook lives OUTSIDE the repository: ``$LMKIT_GRADEBOOK``
or ``~/.cache/lmkit/gradebook.db``.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

# --- where things are --------------------------------------------------------
c.CourseDirectory.source_directory = "solutions"  # instructor notebooks (with solutions)
c.CourseDirectory.release_directory = "course"  # generated student notebooks (committed)

_gradebook = Path(os.environ.get("LMKIT_GRADEBOOK", Path.home() / ".cache" / "lmkit" / "gradebook.db"))
try:
    _gradebook.parent.mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only home: the tooling passes its own db_url anyway
    pass
c.CourseDirectory.db_url = f"sqlite:///{_gradebook.resolve()}"

# Files never copied from solutions/ into course/ or into a grading folder.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".DS_Store",
    "*.log",
]

# --- executing student code --------------------------------------------------
# Per CELL: nbgrader has no per-notebook limit. `lmkit grade --timeout` overrides it.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Widgets show their static fallback in the autograded notebook and feedback HTML.
c.Execute.store_widget_state = False

# A deleted test cell is re-added from the gradebook and graded (instead of
# becoming a "manual grading" free pass).
c.OverwriteCells.add_missing_cells = True

# nbgrader gives 0 points to a test cell with ANY stderr output. A Python warning
# raised by correct student code (e.g. a deprecation inside torch) must not cost
# points, so stderr outputs that contain a warning line are dropped before
# scoring. Errors are `error` outputs, not stderr, and still score 0.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^.*:\d+: \w*Warning: "

# Keep runaway printing out of the graded notebook and the feedback HTML.
c.LimitOutput.max_lines = 500
c.LimitOutput.max_traceback = 100
