"""`python -m service ...`: see service.cli."""

import sys

from service.cli import main

# Guarded: a worker process (`spawn`) imports the main module again, and must not run the CLI.
if __name__ == "__main__":
    sys.exit(main())
