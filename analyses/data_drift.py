"""Data drift: train on tishby12, then continue on shifted data (20% labels flipped, or the
input bits permuted); the plane of forgetting and re-fitting, and old versus new accuracy.

    python analyses/data_drift.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "data_drift", *sys.argv[1:]]))
