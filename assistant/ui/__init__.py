"""The Chainlit chat for practitioners and trainers, mounted into the API process.

Chainlit reads its config (``.chainlit/config.toml``, ``chainlit.md``, ``public/``) from
``CHAINLIT_APP_ROOT`` when it is first imported; every module of this package may import
Chainlit, so the repository root is set here, before any of them is loaded.
"""

import os

from assistant.settings import REPO_ROOT

os.environ.setdefault("CHAINLIT_APP_ROOT", str(REPO_ROOT))
