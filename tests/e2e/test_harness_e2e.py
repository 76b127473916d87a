"""The harness itself, with no Looker involved: open, run, read, save, and an anywidget renders."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import Jupyter
from .helpers import write_notebook

_WIDGET = '''\
import anywidget, traitlets

class Probe(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      const b = document.createElement("button");
      b.className = "e2e-probe";
      b.textContent = "clicked " + model.get("clicks");
      b.onclick = () => { model.set("clicks", model.get("clicks") + 1); model.save_changes(); };
      model.on("change:clicks", () => { b.textContent = "clicked " + model.get("clicks"); });
      el.appendChild(b);
    } };
    """
    clicks = traitlets.Int(0).tag(sync=True)

probe = Probe()
probe'''


def test_run_cells_read_outputs_and_save(jupyter: Jupyter) -> None:
    name = write_notebook(
        jupyter.notebook_path("harness"),
        ["print('hello', 6 * 7)", _WIDGET, "print('clicks', probe.clicks)"],
    )
    notebook = jupyter.open(name)
    notebook.run(0)
    expect(notebook.output(0)).to_contain_text("hello 42")
    notebook.run(1)
    probe = notebook.code_cell(1).locator("button.e2e-probe")
    expect(probe).to_have_text("clicked 0")
    probe.click()
    expect(probe).to_have_text("clicked 1")
    notebook.run(2)
    expect(notebook.output(2)).to_contain_text("clicks 1")
    saved = notebook.save()
    outputs = [o.get("text", "") for cell in saved["cells"] for o in cell.get("outputs", [])]
    assert "hello 42\n" in outputs
    assert "application/vnd.jupyter.widget-state+json" in saved["metadata"].get("widgets", {})
