"""The IB curve of tishby12 with 10% label noise, under the trajectories of a network trained on
those labels.

    python analyses/ib_bound.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "ib_bound", *sys.argv[1:]]))
