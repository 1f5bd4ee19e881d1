"""Zero, small normal, Glorot and He initialisation for tanh and relu on the plane.

    python analyses/initialisation.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "initialisation", *sys.argv[1:]]))
