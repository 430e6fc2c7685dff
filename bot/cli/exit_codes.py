"""Exit codes of every `faqbot` command."""

EXIT_OK = 0  # done; for checks: nothing wrong
EXIT_PROBLEMS = 1  # the check found problems, or the work failed
EXIT_USAGE = 2  # the input was not usable (as argparse does for bad arguments)
