"The installed package: importable, versioned, and equal to what nbdev_export writes."
import configparser
from pathlib import Path
import bopfair

ROOT = Path(__file__).resolve().parent.parent

def test_version_matches_settings():
    cfg = configparser.ConfigParser(); cfg.read(ROOT / "settings.ini")
    assert bopfair.__version__ == cfg["DEFAULT"]["version"]

def test_every_module_has_a_notebook():
    from bopfair._modidx import d
    mods = {m.split(".")[1] for m in d["syms"]}
    nbs = {p.stem for p in (ROOT / "nbs").glob("*.ipynb")}
    for m in mods:
        assert any(nb.endswith("_" + m) for nb in nbs), f"bopfair.{m} has no notebook"

def test_public_functions_import():
    from bopfair.bop import benefit_of_personalization, BoPResult
    from bopfair.groups import make_groups, Groups
    from bopfair.costs import prediction_cost
    from bopfair.audit import fit_pair, prediction_bop
    from bopfair.datasets import load_doctor_contacts
    assert callable(benefit_of_personalization) and callable(fit_pair)
