"""Notebook steps' cell output in the step log, as Orchest's notebook runner printed it.

Berth runs a notebook step as
``jupyter nbconvert --to notebook --NotebookExporter.preprocessors=berth.notebook_log.StreamingExecutePreprocessor ...``:
the notebook executes as with ``--execute`` (the executed copy keeps its outputs), and every output
a cell produces is also written, as it arrives, to the step's stdout (stream text, results' plain
text) or stderr (stderr streams, errors' tracebacks). Imported only by nbconvert's Python, never
by steps.
"""
import re
import sys

from nbconvert.preprocessors import ExecutePreprocessor

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class StreamingExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor that echoes each output message to the step's log."""

    def __call__(self, nb, resources):
        # Listed as a preprocessor it runs without --execute (which is what enables the stock one).
        return self.preprocess(nb, resources)

    def output(self, outs, msg, display_id, cell_index):
        result = super().output(outs, msg, display_id, cell_index)
        try:
            _echo(msg)
        except Exception:  # the log is a copy: never fail the notebook over it
            pass
        return result


def _echo(msg):
    kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
    content = msg.get("content", {})
    if kind == "stream":
        target = sys.stderr if content.get("name") == "stderr" else sys.stdout
        target.write(content.get("text", ""))
        target.flush()
    elif kind in ("execute_result", "display_data"):
        text = content.get("data", {}).get("text/plain")
        if text:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            sys.stdout.flush()
    elif kind == "error":
        trace = "\n".join(content.get("traceback") or [f"{content.get('ename')}: {content.get('evalue')}"])
        sys.stderr.write(_ANSI.sub("", trace) + "\n")
        sys.stderr.flush()
