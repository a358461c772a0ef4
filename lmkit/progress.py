"""Progress bars that read the same live and in a saved notebook.

Backs every training loop the notebooks run (01 §5 word2vec, 03 §7, 04 §2–3, 05 §2–5).

``tqdm.auto`` draws a widget in Jupyter; the notebook file keeps only the text it had when it
was first displayed ("0%|  | 0/300"), so an executed or reopened notebook shows every bar stuck
at 0%. :func:`progress` displays the same widget under a display id and, when the bar closes,
replaces it with its final text line ("100%|██████| 300/300 [00:03]"), or with nothing when
``leave=False``. Outside a Jupyter kernel it is plain ``tqdm``.
"""
from __future__ import annotations

import functools
from typing import Any, Iterable


@functools.cache  # one class per process, not one per bar
def _notebook_bar_class():
    from tqdm.auto import tqdm as auto_bar
    from tqdm.notebook import tqdm as notebook_bar

    if not issubclass(auto_bar, notebook_bar):
        return None

    class SavedNotebookBar(notebook_bar):
        """tqdm's widget bar whose output becomes its final text when it closes."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["display"] = False
            super().__init__(*args, **kwargs)
            self._handle = None
            if not self.disable:
                from IPython.display import display

                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self) -> None:
            if self.disable:
                return
            final = self.format_meter(**self.format_dict)
            keep = self.leave
            super().close()
            if self._handle is not None:
                self._handle.update({"text/plain": final if keep else ""}, raw=True)
                self._handle = None

    return SavedNotebookBar


def progress(iterable: Iterable | None = None, **kwargs: Any):
    """``tqdm(iterable, **kwargs)``; in Jupyter a widget that is saved as its final line."""
    bar_class = _notebook_bar_class()
    if bar_class is None:
        from tqdm import tqdm as bar_class
    return bar_class(iterable, **kwargs)
