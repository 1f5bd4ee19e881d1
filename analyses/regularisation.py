"""Dropout, L2 weight decay and Gaussian unit noise (Goldfeld et al. 2019) on the plane.

    python analyses/regularisation.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "regularisation", *sys.argv[1:]]))
