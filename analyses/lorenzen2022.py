"""Lorenzen, Igel & Nielsen (2022): the exact information plane of 8-bit quantised networks.

    python analyses/lorenzen2022.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "lorenzen2022", *sys.argv[1:]]))
