"""Reads an mm marker export with OpenTimelineIO and prints what it found as JSON.

usage: otio_read.py edl|fcpxml FILE RATE_NUM RATE_DEN
"""
import json
import sys

import opentimelineio as otio

kind, path, num, den = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rate = num / den
text = open(path, encoding="utf-8").read()
out = []
if kind == "edl":
    tl = otio.adapters.read_from_string(text, "cmx_3600", rate=rate)
    for clip in tl.find_clips():
        meta = clip.metadata.get("cmx_3600", {})
        out.append({
            "frame": clip.source_range.start_time.to_frames(),
            "comments": list(meta.get("comments", [])),
        })
else:
    tl = otio.adapters.read_from_string(text, "fcpx_xml")
    for clip in tl.find_clips():
        for m in clip.markers:
            out.append({
                "frame": m.marked_range.start_time.rescaled_to(rate).to_frames(),
                "name": m.name,
                "color": str(m.color),
            })
print(json.dumps(out))
