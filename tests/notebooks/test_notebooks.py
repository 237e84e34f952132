"""The notebooks: stored without outputs, thin, and each one executes top to bottom without
errors or warnings on the sample run database and on a database without findings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from xuncha_audit.config import RunConfig
from xuncha_audit.app.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = ROOT / "data_samples"
NAMES = ["00_总览", "01_采购", "02_报销", "03_车辆与办公用房", "04_工资", "05_账务", "06_画像"]
PARAMETERS = ("db_path", "unit", "level", "period_start", "period_end", "live")
PLOTLY = "application/vnd.plotly.v1+json"

# One pipeline run for the module: keep these tests on one xdist worker (make test uses loadgroup).
pytestmark = pytest.mark.xdist_group("notebooks")


def _read(name: str):
    # imported here, not at module level: nbformat pulls in jsonschema's format checkers, whose
    # grammar building cost every pytest process (and each xdist worker) ~5 s at collection
    import nbformat

    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_every_notebook_is_there():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs_and_small(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.stat().st_size < 12_000
    nb = _read(name)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {cell.id} has stored outputs"
            assert cell.execution_count is None


@pytest.mark.parametrize("name", NAMES)
def test_parameters_cell_and_no_business_logic(name):
    nb = _read(name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for p in PARAMETERS:
        assert f"\n{p} = " in "\n" + tagged[0].source, f"{name}: parameter {p} missing"
    assert 'os.environ.get("XUNCHA_DB", "../out/demo/xuncha.duckdb")' in tagged[0].source
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for forbidden in ("SELECT", "execute(", "duckdb.connect", "groupby", "merge("):
        assert forbidden not in code, f"{name}: {forbidden} belongs in xuncha_audit.viz"
    assert "read_only" not in code or "vd.connect" in code
    assert code.rstrip().endswith("con.close()")


@pytest.mark.parametrize("name", NAMES)
def test_papermill_reads_every_parameter(name):
    from papermill.inspection import inspect_notebook

    params = inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert set(PARAMETERS) <= set(params)
    assert params["unit"]["default"] == "None"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nb_sample")
    cfg = RunConfig(unit="某市住房和城乡建设局", level="市级", region="湖南", city="长沙")
    result = run_pipeline(SAMPLES, out, cfg, validate=False)
    return Path(result.db_path)


@pytest.fixture(scope="module")
def empty_db(sample_db, tmp_path_factory) -> Path:
    """Canonical tables present, zero findings, several tables without rows, no Benford table."""
    path = tmp_path_factory.mktemp("nb_empty") / "xuncha.duckdb"
    shutil.copy(sample_db, path)
    con = duckdb.connect(str(path))
    for table in ("findings", "evidence", "contracts", "bids", "travel_claims", "hospitality",
                  "vehicle_costs", "offices", "payroll", "relations"):
        con.execute(f"DELETE FROM {table}")
    con.execute("DROP TABLE IF EXISTS benford_distribution")
    con.close()
    return path


def _execute(name: str, db: Path, monkeypatch, live: bool = False):
    from nbclient import NotebookClient

    nb = _read(name)
    monkeypatch.setenv("XUNCHA_DB", str(db))
    monkeypatch.setenv("XUNCHA_LIVE", "1" if live else "0")
    monkeypatch.setenv("PYTHONWARNINGS", "default")  # show every warning (they must not occur)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def _problems(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                out.append(f"{cell.id}: {o.ename}: {o.evalue}")
            elif o.output_type == "stream" and o.name == "stderr":
                out.append(f"{cell.id}: stderr: {o.text[:500]}")
            elif "Warning" in json.dumps(o.get("data", {}).get("text/plain", "")) or \
                    "Warning" in o.get("text", ""):
                out.append(f"{cell.id}: warning text in output")
    return out


def _plotly_figures(nb) -> list[dict]:
    return [o["data"][PLOTLY] for c in nb.cells for o in c.get("outputs", [])
            if o.output_type == "display_data" and PLOTLY in o.get("data", {})]


def _text(nb) -> str:
    return json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)


@pytest.mark.parametrize("name", NAMES)
def test_runs_on_sample_database(name, sample_db, monkeypatch):
    nb = _execute(name, sample_db, monkeypatch)
    assert _problems(nb) == []
    figs = _plotly_figures(nb)
    assert figs, "no figure displayed"
    empty = [f["layout"]["title"]["text"] for f in figs
             if any(a.get("text") == "无数据" for a in f["layout"].get("annotations", []))]
    assert empty == [], "the sample data should fill every figure"
    # Drill-down: the evidence rows of the top findings are shown under the figures.
    assert "证据下钻" in _text(nb) or (name == "00_总览" and "记录编号" in _text(nb))
    # Evidence tables in Chinese, the record JSON flattened into columns.
    if "证据下钻" in _text(nb):
        assert "<th>记录编号</th>" in _text(nb) and "<th>record</th>" not in _text(nb)


@pytest.mark.parametrize("name", NAMES)
def test_runs_on_database_without_findings(name, empty_db, monkeypatch):
    nb = _execute(name, empty_db, monkeypatch)
    assert _problems(nb) == []
    assert _plotly_figures(nb)
    assert "证据下钻" not in _text(nb)


def test_live_mode_displays_drilldown_widgets(sample_db, monkeypatch):
    nb = _execute("01_采购", sample_db, monkeypatch, live=True)
    assert _problems(nb) == []
    widgets = [o for c in nb.cells for o in c.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 4


def test_exported_html_keeps_the_charts_offline(sample_db, monkeypatch):
    """nbconvert drops application/vnd.plotly.v1+json; the notebooks' renderer also emits
    HTML drawing each figure with plotly.js embedded once (no CDN)."""
    from nbconvert import HTMLExporter

    nb = _execute("01_采购", sample_db, monkeypatch)
    figs = _plotly_figures(nb)
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert html.count("Plotly.newPlot(") == len(figs) >= 4
    for fig in figs:
        assert fig["layout"]["title"]["text"] in html or json.dumps(fig["layout"]["title"]["text"]) in html
    # plotly.js itself is in the page, not loaded from a CDN
    assert "window.define = undefined" in html and len(html) > 3_000_000
    assert "cdn.plot.ly/plotly" not in html.replace('"https://cdn.plot.ly/un/"', "")
