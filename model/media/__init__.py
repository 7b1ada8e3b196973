"""Files and signals at the edges: MP4 mux/demux, loudness, AAC, image and audio preparation, onsets."""
