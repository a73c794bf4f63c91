"The report (bopfair.report): every output with and without a fitted pair, JSON round trip, flat metrics, HTML in notebooks, one drawing per figure, byte-identical files, group-level section, 16 groups."
import base64, json
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import LogisticRegression
from bopfair.bop import benefit_of_personalization
from bopfair.pair import fit_pair
from bopfair.verdicts import audit_results, VERDICTS
from bopfair.plots import VERDICT_COLOURS, plot_forest
from bopfair.report import AuditReport, _GROUP_LEVEL_NOTE, _display_table


def _report(seed=0, n=1200, attributes=("sex", "site")):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    S = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "site": rng.choice(["a", "b"], n),
                      "age": rng.choice(["young", "old"], n), "urban": rng.choice(["no", "yes"], n)})
    S = S[list(attributes)]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X.x1 + 1.2 * (S.iloc[:, 0] == S.iloc[0, 0]) - 0.6)))).astype(int)
    pair = fit_pair(LogisticRegression(), X, S, y, random_state=seed)
    res = {c: ("prediction", benefit_of_personalization(*pair.prediction_costs(c), pair.groups(), cost=c))
           for c in ("zero_one", "log_loss")}
    settings = {"title": "test", "task": "classification", "attributes": ", ".join(attributes), "alpha": 0.05,
                "seed": seed}
    return AuditReport(costs=audit_results(res), settings=settings, pair=pair), pair


@pytest.fixture(scope="module")
def rep_pair():
    return _report()


def _predictions(pair):
    p0, pp = pair.predictions()
    return pd.DataFrame({"y": pair.y_audit, "h0": p0, "hp": pp})


def test_every_output_works_without_a_pair(rep_pair, tmp_path):
    "C4: pair=None (a predictions-only audit) and no pair nor predictions: every output still works."
    rep, pair = rep_pair
    for r in (AuditReport(costs=rep.costs, settings=rep.settings, predictions=_predictions(pair)),
              AuditReport(costs=rep.costs, settings=rep.settings)):
        assert r.pair is None
        pd.testing.assert_frame_equal(r.summary(), rep.summary())
        pd.testing.assert_frame_equal(r.verdicts(), rep.verdicts())
        assert r.to_markdown().startswith("# bopfair audit: test")
        assert r.to_html().endswith("</html>") and "<img" in r.to_html()
        assert set(r.plot()) == set(rep.figures())
        out = tmp_path / f"o{id(r)}"
        names = {p.name for p in r.save(out)}
        assert {"report.html", "report.md", "summary.csv", "settings.json", "group_bop.png"} <= names
        json.loads(r.to_json()); r.metrics(); r._repr_html_()
    with_pred = AuditReport(costs=rep.costs, settings=rep.settings, predictions=_predictions(pair))
    pd.testing.assert_frame_equal(with_pred.model_card(), rep.model_card())     # same card, no model call
    assert len(AuditReport(costs=rep.costs, settings=rep.settings).model_card()) == 0


def test_to_json_round_trips_with_nan_as_null(rep_pair):
    rep, _ = rep_pair
    text = rep.to_json()
    back = json.loads(text)
    assert back == rep.to_dict()
    assert "NaN" not in text and "Infinity" not in text
    assert back["costs"]["zero_one"]["table"]["gamma"]["cost_h0"] is None          # NaN in the table
    assert back["costs"]["log_loss"]["verdict"] == rep.costs["log_loss"].verdict
    assert len(back["provenance"]["data sha256"]) == 64
    with pytest.raises(ValueError):                                                 # strict JSON really
        json.dumps({"x": float("nan")}, allow_nan=False)


def test_metrics_are_flat_finite_floats(rep_pair):
    rep, pair = rep_pair
    m = rep.metrics()
    assert m and all(isinstance(k, str) and isinstance(v, float) and np.isfinite(v) for k, v in m.items())
    t = rep.costs["log_loss"].table()
    for g in t.index:
        if np.isfinite(t.loc[g, "bop"]): assert m[f"log_loss/{g}/bop"] == pytest.approx(t.loc[g, "bop"], abs=1e-15)
    assert m["model/hp/accuracy"] == pytest.approx(np.mean(pair.y_audit == (pair.predictions()[1] >= 0.5)))


def test_repr_html_shows_overview_and_coloured_verdicts(rep_pair):
    rep, _ = rep_pair
    h = rep._repr_html_()
    assert h.count("<table>") == 2 and "<img" not in h and "verdict (gamma)" in h
    shown = {v for v in rep.verdicts().to_numpy().ravel() if isinstance(v, str)}
    for v in shown:
        colour = next(c for k, c in VERDICT_COLOURS.items() if v.startswith(k))
        assert f"border-left:5px solid {colour}" in h


def test_each_figure_is_drawn_once_per_save(rep_pair, tmp_path, monkeypatch):
    rep, _ = rep_pair
    calls, orig = [], Figure.savefig
    def counted(self, *a, **k):
        calls.append(id(self)); return orig(self, *a, **k)
    monkeypatch.setattr(Figure, "savefig", counted)
    rep.save(tmp_path / "out")
    assert len(calls) == len(rep.figures()) and len(set(calls)) == len(calls)
    page = (tmp_path / "out" / "report.html").read_text()
    for p in (tmp_path / "out" / "figures").glob("*.png"):               # the page embeds the files' bytes
        assert base64.b64encode(p.read_bytes()).decode() in page


def test_report_files_are_byte_identical_for_the_same_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outs = []
    for k in ("a", "b"):
        rep, _ = _report(seed=3)
        rep.save(tmp_path / k)
        outs.append({str(p.relative_to(tmp_path / k)): p.read_bytes()
                     for p in sorted((tmp_path / k).rglob("*")) if p.is_file()})
    assert list(outs[0]) == list(outs[1])
    for name in outs[0]: assert outs[0][name] == outs[1][name], name
    settings = json.loads(outs[0]["settings.json"])
    assert settings["provenance"]["date"] == "2023-11-14" and "scikit-learn" in settings["provenance"]


def test_group_level_section_from_group_metric_bop(rep_pair):
    "C3: a GroupMetricBoP in `group_level` gets its own section, marked: no individual BoP, no fit, no bound."
    from bopfair.group_metrics import group_metric_bop
    rep, pair = rep_pair
    p0, pp = pair.predictions()
    gm = group_metric_bop(pair.y_audit, p0, pp, pair.groups(), "auc", n_boot=200, random_state=0)
    r = AuditReport(costs=rep.costs, settings=rep.settings, pair=pair, group_level={"auc": gm})
    md, page = r.to_markdown(), r.to_html()
    assert f"### auc ({_GROUP_LEVEL_NOTE})" in md and "## Group-level metrics" in md
    assert "Group-level" not in rep.to_markdown()
    assert page.count("<figure>") == rep.to_html().count("<figure>")      # no figure, no bound for it
    assert r.to_dict()["group_level"]["auc"]["all"]["bop"] == pytest.approx(gm.table.loc["all", "bop"])
    assert r.metrics()["auc/all/bop"] == pytest.approx(gm.table.loc["all", "bop"])


def test_degenerate_intervals_are_written_in_words(rep_pair):
    rep, pair = rep_pair
    z = np.zeros(len(pair.audit))
    ca = audit_results({"same": ("prediction", benefit_of_personalization(z, z, pair.groups(), cost="same"))})["same"]
    t = _display_table(ca)
    assert t.loc["all", "interval"] == f"all b = 0 (n={len(pair.audit):,})"
    assert not t["interval"].str.startswith("[0, 0]").any()
    assert set(ca.verdicts) <= set(VERDICTS)


def test_forest_is_readable_at_16_groups():
    "16 groups: one row each, labels whole and apart (no two tick labels overlap once drawn)."
    rep, _ = _report(n=3000, attributes=("sex", "site", "age", "urban"))
    fig = rep.figures()["group_bop"]
    fig.canvas.draw()
    for ax in fig.axes:
        labels = [t for t in ax.get_yticklabels() if t.get_text()]
        if not labels: continue
        assert len(labels) == 17                                                # 16 groups + the population
        boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.y0)
        assert all(a.y1 <= b.y0 + 0.5 for a, b in zip(boxes, boxes[1:]))         # no overlap
        assert min(b.height for b in boxes) >= 7                                 # pixels: >= 7 pt at 100 dpi
        assert min(b.x0 for b in boxes) >= 0                                      # nothing cut at the left edge
