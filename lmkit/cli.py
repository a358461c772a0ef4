"""The ``lmkit`` command.

    lmkit start [--dir DIR] [--no-browser] [--dry-run]   open the course in JupyterLab
    lmkit validate NOTEBOOK                              check a notebook before submitting
    lmkit course release [ASSIGNMENT ...] [--strip]      regenerate course/ from solutions/
    lmkit course check                                   is course/ in sync? (git hook)
    lmkit course strip [ASSIGNMENT ...]                  clear outputs in solutions/
    lmkit course mutants [ASSIGNMENT ...] [--verbose]    how strict are the tests? (tests/mutants/)
    lmkit grade SUBMISSIONS [--out DIR] [--assignment A] [--jobs N] [--timeout S] [--max-time S]
                [--memory SIZE] [--kernel-prefix CMD] [--no-network]

Exit codes: 0 success; 1 a check or validation failed; 2 usage or setup error.
Nothing here imports torch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _cmd_start(args: argparse.Namespace) -> int:
    from .course.start import start

    return start(args.dir, browser=not args.no_browser, dry_run=args.dry_run)


def _cmd_validate(args: argparse.Namespace) -> int:
    from .course.validate import format_report, validate

    report = validate(args.notebook, timeout=args.timeout)
    print(format_report(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def _cmd_release(args: argparse.Namespace) -> int:
    from .course.paths import find_course_root
    from .course.release import release

    root = find_course_root(args.root)
    changed = release(root, args.assignments or None, strip_first=args.strip)
    for path in changed:
        print(f"wrote {path.relative_to(root)}")
    print(f"course/ up to date ({len(changed)} file(s) changed)")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from .course.paths import find_course_root
    from .course.release import check

    problems = check(find_course_root(args.root))
    if problems:
        print("course/ is out of sync with solutions/:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("fix: lmkit course strip && lmkit course release", file=sys.stderr)
        return EXIT_FAILED
    print("ok")
    return EXIT_OK


def _cmd_strip(args: argparse.Namespace) -> int:
    from .course.paths import find_course_root
    from .course.release import strip

    root = find_course_root(args.root)
    changed = strip(root, args.assignments or None)
    for path in changed:
        print(f"stripped {path.relative_to(root)}")
    print(f"{len(changed)} notebook(s) stripped")
    return EXIT_OK


def _cmd_grade(args: argparse.Namespace) -> int:
    from .course.grade import grade, summary
    from .course.paths import find_course_root

    from .course.integrity import parse_size, split_prefix

    root = find_course_root(args.root)
    started = time.perf_counter()
    done = []

    def progress(result) -> None:
        done.append(result)
        score = "-" if result.score is None else f"{result.score:g}/{result.max_score:g}"
        print(f"  [{len(done)}] {time.perf_counter() - started:6.0f} s  graded {result.student}: {score} "
              f"{result.status}", file=sys.stderr, flush=True)

    results = grade(
        Path(args.submissions),
        Path(args.out),
        root,
        assignment=args.assignment,
        jobs=args.jobs,
        cell_timeout=args.timeout,
        student_timeout=args.max_time,
        keep_workdir=args.keep,
        progress=progress,
        memory=parse_size(args.memory) or None,
        kernel_prefix=split_prefix(args.kernel_prefix),
        no_network=args.no_network,
        sandbox_mode=args.sandbox,
        retry_factor=args.retry_factor,
    )
    print(summary(results))
    print(f"wrote {Path(args.out) / 'grades.csv'} and {Path(args.out) / 'feedback'}/ "
          f"in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lmkit",
        description="lmkit course tools: open the course, validate a notebook, release and grade assignments.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    start = commands.add_parser("start", help="copy the course notebooks into a folder and open JupyterLab",
                                description="Copy course/ into a working folder (existing notebooks are never "
                                "overwritten) and launch JupyterLab there, opening the first assignment.")
    start.add_argument("--dir", type=Path, default=None, help="working folder (default: ~/lmkit-course)")
    start.add_argument("--no-browser", action="store_true", help="start JupyterLab without opening a browser")
    start.add_argument("--dry-run", action="store_true", help="print what would be copied and run; change nothing")
    start.set_defaults(handler=_cmd_start)

    validate = commands.add_parser("validate", help="run a notebook's visible tests before submitting",
                                   description="Execute NOTEBOOK like `nbgrader validate` (visible tests only); "
                                   "exit 1 and list the failing test cells if any fail.")
    validate.add_argument("notebook", type=Path, help="the .ipynb file to check")
    validate.add_argument("--timeout", type=_positive_int, default=None, help="seconds per cell (default 60)")
    validate.set_defaults(handler=_cmd_validate)

    course = commands.add_parser("course", help="instructor commands: release, check, strip",
                                 description="Keep course/ (student notebooks) generated from solutions/.")
    course_commands = course.add_subparsers(dest="course_command", metavar="ACTION", required=True)
    root_help = "course root with solutions/ and nbgrader_config.py (default: here, else the lmkit checkout)"

    release = course_commands.add_parser("release", help="regenerate course/ from solutions/ with nbgrader",
                                         description="Regenerate course/<assignment>/ with nbgrader "
                                         "generate_assignment (all assignments when none is named). Refuses "
                                         "solutions notebooks with outputs unless --strip.")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="e.g. 01-word-vectors")
    release.add_argument("--strip", action="store_true", help="clear outputs in solutions/ first")
    release.add_argument("--root", type=Path, default=None, help=root_help)
    release.set_defaults(handler=_cmd_release)

    check = course_commands.add_parser("check", help="exit 1, naming the files, if course/ is out of sync",
                                       description="Regenerate every assignment in a temporary folder and "
                                       "compare with course/; also fail on outputs in solutions notebooks.")
    check.add_argument("--root", type=Path, default=None, help=root_help)
    check.set_defaults(handler=_cmd_check)

    strip = course_commands.add_parser("strip", help="clear outputs and execution counts in solutions/")
    strip.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    strip.add_argument("--root", type=Path, default=None, help=root_help)
    strip.set_defaults(handler=_cmd_strip)

    from .course.mutants import add_cli as _add_mutants_cli  # lmkit course mutants (no torch import)

    _add_mutants_cli(course_commands, root_help)

    grade = commands.add_parser(
        "grade",
        help="autograde a folder of submissions with nbgrader",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Autograde every student in SUBMISSIONS, each in isolation, with nbgrader's autograde and "
            "generate_feedback.\n\nSUBMISSIONS: a folder (or a .zip) with one folder per student "
            "(<student>/*.ipynb or <student>/<assignment>/*.ipynb), LMS flat files\n"
            "(Canvas smithjane_12345_678901_word-vectors.ipynb, Moodle "
            "'Jane Smith_12345_assignsubmission_file_word-vectors.ipynb',\n<student>_<notebook>.ipynb, "
            "<student>.ipynb) or one .zip per student.\n\nWrites OUT/grades.csv (student, assignment, score, "
            "max_score, status, notes), OUT/feedback/<student>/ and OUT/logs/.\n\nHostile notebooks: each "
            "student's code runs in its own bubblewrap sandbox (unprivileged uid, no network, own PID\n"
            "namespace, a private folder with only their notebook, memory and process limits) and the tests run "
            "in a\nseparate trusted process that only receives data from it; feedback never shows hidden tests. "
            "See the\ninstructor guide ('Hostile notebooks') for what is and is not protected."
        ),
    )
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="folder or .zip of submissions")
    grade.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default: ./grades)")
    grade.add_argument("--assignment", default=None, help="assignment name (inferred when there is one)")
    grade.add_argument("--jobs", type=_positive_int, default=1, help="students graded in parallel (default 1)")
    grade.add_argument("--timeout", type=_positive_int, default=None,
                       help="CPU seconds per notebook cell and per test, per thread (default 600); 10x that in wall-clock time")
    grade.add_argument("--max-time", type=float, default=1800,
                       help="seconds for a student's whole notebook in the sandbox (default 1800); a timeout is "
                            "graded again alone with 3x longer limits before it is final")
    grade.add_argument("--retry-factor", type=float, default=3.0,
                       help="a student who timed out is graded again alone with limits this many times longer "
                            "(default 3)")
    grade.add_argument("--memory", default="4G",
                       help="address-space limit of each student's process, e.g. 3G (RLIMIT_AS; default 4G)")
    grade.add_argument("--sandbox", choices=("bwrap", "none"), default="bwrap",
                       help="bwrap (default): each student in a bubblewrap sandbox; none: run student code as "
                            "your user (only for code you trust)")
    grade.add_argument("--kernel-prefix", default=None, metavar="CMD",
                       help="with --sandbox none: a command put in front of each student's process")
    grade.add_argument("--no-network", action="store_true",
                       help="with --sandbox none: no network for student code (unshare -rn); the sandbox never "
                            "has one")
    grade.add_argument("--keep", action="store_true", help="keep the temporary grading folders (debugging)")
    grade.add_argument("--root", type=Path, default=None, help=root_help)
    grade.set_defaults(handler=_cmd_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .course.paths import CourseError

    try:
        return args.handler(args)
    except (CourseError, ValueError, FileNotFoundError) as err:
        print(f"lmkit {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
