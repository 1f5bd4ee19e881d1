"""Shwartz-Ziv & Tishby (2017): the information plane and gradient SNR of the IDNNs protocol.

    python analyses/tishby2017.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "tishby2017", *sys.argv[1:]]))
