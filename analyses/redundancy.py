"""Redundancy (total correlation) and irrelevant information I(X;T|Y) of each layer, with and
without dropout and Gaussian unit noise.

    python analyses/redundancy.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "redundancy", *sys.argv[1:]]))
