"Shared pytest setup: hypothesis is derandomized on CI (CI=true) so a run is reproducible; locally it explores freshly."
import os
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
