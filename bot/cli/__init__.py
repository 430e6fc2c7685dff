"""The `faqbot` command line: thin modules that parse, call kb/ and bot/, and print."""
