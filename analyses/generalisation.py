"""Saxe et al. (2018): training on 30% versus 80% of the data; test loss and early stopping.

    python analyses/generalisation.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "generalisation", *sys.argv[1:]]))
