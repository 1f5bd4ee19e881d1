"""Does compression need the noise of SGD? SGD batch 32 and 256, full-batch GD and Adam, on
tanh and relu networks.

    python analyses/optimiser_noise.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "optimiser_noise", *sys.argv[1:]]))
