"""`python -m tutor …` runs the nnstep command line (handy in a checkout without the console script)."""

from tutor.cli import main

main()
