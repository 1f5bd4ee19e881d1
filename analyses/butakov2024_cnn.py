"""Butakov et al. (2024): noisy CNNs on MNIST-1D and digits, the plane of every layer by
compressed mutual information, with binning and the KDE upper bound beside it.

    python analyses/butakov2024_cnn.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "butakov2024_cnn", *sys.argv[1:]]))
