"""Saxe et al. (2018): tanh, relu, softsign and softplus networks under binning and KDE.

    python analyses/saxe2018_activations.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "saxe2018_activations", *sys.argv[1:]]))
