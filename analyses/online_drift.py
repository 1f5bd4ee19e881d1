"""Online learning on a gradually rotating stream: online, frozen and periodically retrained models.

    python analyses/online_drift.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "online_drift", *sys.argv[1:]]))
