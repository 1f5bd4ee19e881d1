"""Zhang et al. (2017): fitting 0-100% random labels, and the plane against true and trained labels.

    python analyses/random_labels.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "random_labels", *sys.argv[1:]]))
