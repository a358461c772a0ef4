"""Record one student's verdicts with nbgrader: ``autograde`` then ``generate_feedback``, one process.

``python -m lmkit.course.judge.record ROOT SOURCE RELEASE ASSIGNMENT STUDENT`` loads the grader's
``ROOT/nbgrader_config.py`` (written by ``lmkit grade``, never by the student; it replaces
nbgrader's kernel with ``verdicts.ApplyVerdicts``), pins every path inside ROOT, and runs
both steps through ``nbgrader.apps.NbGraderAPI``: the same converters as the two
``nbgrader`` commands, with one interpreter start instead of two. No student code runs here.

Exit status: 0 both steps succeeded, 1 autograde failed, 2 feedback failed. The steps'
logs go to stdout, their errors to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

CONFIG_NAME = "nbgrader_config.py"


def main(argv: list[str]) -> int:
    root, source, release, assignment, student = argv
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_NAME, path=root).load_config()
    config.CourseDirectory.root = root
    config.CourseDirectory.source_directory = source
    config.CourseDirectory.release_directory = release
    config.CourseDirectory.db_url = f"sqlite:///{Path(root) / 'gradebook.db'}"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for status, step in ((1, api.autograde), (2, api.generate_feedback)):
        result = step(assignment, student, force=True)
        print(result.get("log", ""), flush=True)
        if not result.get("success"):
            print(result.get("error", f"{step.__name__} failed"), file=sys.stderr, flush=True)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
