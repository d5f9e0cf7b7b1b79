"""Executes one notebook top to bottom with this checkout's kernel (run by scripts/run-notebooks.mjs).

usage: execute.py NOTEBOOK OUT_NOTEBOOK [OUT_HTML]

The executed copy is written whether or not a cell fails, holding every output up to the failure. On a failure it
prints the cell's number, its first line and the whole error (name, message and traceback) and exits 1. With
OUT_HTML it also writes the HTML export, whose formulas MathJax renders offline from a `mathjax/` folder beside it
(a link to Debian's libjs-mathjax).
"""

import os
import re
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

KERNEL = "bigan-tslab"
MATHJAX = "/usr/share/javascript/mathjax"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def report(path, notebook, index, reply):
    """The failed cell's number, first line and whole error: tslab writes the error's text and stack to the
    cell's stderr, and only a bare name to the error reply."""
    cell = notebook.cells[index]
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty cell)"
    streams = [o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr"]
    errors = [line for o in cell.get("outputs", []) if o.get("output_type") == "error" for line in o.get("traceback", [])]
    content = reply.get("content", {}) if reply else {}
    text = ANSI.sub("", "".join(streams) + "\n".join(errors)).strip()
    return (
        f"{path}: cell {index + 1} failed\n"
        f"  first line: {first}\n"
        f"  error: {content.get('ename', '')}: {content.get('evalue', '')}\n"
        + "\n".join(f"    {line}" for line in text.splitlines())
    )


def export_html(notebook, out_html):
    folder = os.path.dirname(os.path.abspath(out_html))
    os.makedirs(folder, exist_ok=True)
    link = os.path.join(folder, "mathjax")
    if os.path.exists(os.path.join(MATHJAX, "MathJax.js")) and not os.path.lexists(link):
        os.symlink(MATHJAX, link)
    exporter = HTMLExporter(template_name="lab", mathjax_url="mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe")
    body, _ = exporter.from_notebook_node(notebook)
    with open(out_html, "w", encoding="utf-8") as f:
        f.write(body)


def main(path, out_notebook, out_html=None):
    notebook = nbformat.read(path, as_version=4)
    root = os.getcwd()
    # As a Jupyter server tells its kernels: the notebook's path, here the executed copy's, so that files a notebook
    # writes beside itself (besideNotebook) sit beside the copy its outputs link from.
    os.environ["JPY_SESSION_NAME"] = os.path.abspath(out_notebook)
    failed = {}
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=1800,
        resources={"metadata": {"path": root}},
        on_cell_error=lambda cell, cell_index, execute_reply: failed.update(index=cell_index, reply=execute_reply),
    )
    failure = None
    try:
        client.execute()
    except CellExecutionError:
        failure = report(path, notebook, failed.get("index", 0), failed.get("reply"))
    finally:
        os.makedirs(os.path.dirname(os.path.abspath(out_notebook)), exist_ok=True)
        nbformat.write(notebook, out_notebook)
    if failure:
        print(failure, file=sys.stderr)
        return 1
    if out_html:
        export_html(notebook, out_html)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
