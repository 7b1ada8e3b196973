"""Weight-free audio-visual metrics: pure functions on arrays, no file reading here.

``evaluate_clip`` runs them all on one clip; ``table.evaluate_many`` and ``write_table``
make a table over many. Each family lives in its own module: impact sync
(``impact_sync``), lip sync (``lip_sync``), adherence to a caption (``adherence``), delivery
(``delivery``). AV-Align and the onset-vs-motion lag hold for any clip, so they live in the
model core (``model/media/sync``), where best-of-N sampling ranks candidates by them.
"""

from .evaluate import evaluate_clip
from .table import ClipInput, evaluate_many, headline_row, summary_row, write_table

__all__ = ["ClipInput", "evaluate_clip", "evaluate_many", "headline_row", "summary_row", "write_table"]
