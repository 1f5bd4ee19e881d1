"""Predictive entropy, the loss against H(Y|T), and calibration as a network overfits.

    python analyses/uncertainty.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "uncertainty", *sys.argv[1:]]))
