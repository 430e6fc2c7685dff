"""`python -m faqbot.bot.cli` runs the `faqbot` command (used for served sessions and tests)."""

import sys

from faqbot.bot.cli.main import main

sys.exit(main())
