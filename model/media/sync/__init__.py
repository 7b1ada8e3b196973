"""Weight-free measures of how well a clip's sound lands on its motion, for any clip.

``flow`` (dense optical flow), ``xcorr`` (lag search by cross-correlation), ``motion_lag``
(sound onsets against changes of motion), ``av_align`` (the published AV-Align), ``measure``
(both on one clip) and ``score`` (one sync score from them, to rank candidates by).
"""
