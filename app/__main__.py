"""`python -m app`: the command line, for when the `app` script is not on PATH."""

from app.cli import main

main()
