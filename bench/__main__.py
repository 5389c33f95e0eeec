"""`python -m bench`: run the scenarios SCENARIOS names and write the report."""

from bench.run import main

main()
