"""`python -m bench`: run every scenario once and write the report."""

from bench.run import main

main()
