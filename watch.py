"""Watch the inbox and file every dropped document: ``python watch.py [--inbox DIR] [--polling]``.

The same as ``gongkai watch``.
"""

import sys

from engine.cli import app

if __name__ == "__main__":
    app(args=["watch", *sys.argv[1:]], prog_name="watch.py")
