"""Reads a timeline export with the reference library, OpenTimelineIO, and its adapters (otio_json,
fcpx_xml from otio-fcpx-xml-adapter, cmx_3600 from otio-cmx3600-adapter), and prints what it read
as JSON, in frames at `rate`, for test/timeline-export.test.ts to compare with the job's edit.

    python read_timeline.py FILE ADAPTER RATE

The FCP X XML adapter reads no transitions (it drops <transition> elements), so for fcpx_xml the
transitions are also read from the XML itself with the standard library's ElementTree, their
times as exact fractions.
"""
import json
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction

import opentimelineio as otio


def frames(t, rate):
    return round(t.rescaled_to(rate).value, 6)


def timeline_of(obj):
    if isinstance(obj, otio.schema.Timeline):
        return obj
    for child in obj:
        found = timeline_of(child) if not isinstance(child, otio.schema.Clip) else None
        if found is not None:
            return found
    return None


def read(path, adapter, rate):
    kwargs = {"rate": rate} if adapter == "cmx_3600" else {}
    tl = timeline_of(otio.adapters.read_from_file(path, adapter_name=adapter, **kwargs))
    tracks = []
    markers = [frames(m.marked_range.start_time, rate) for m in tl.tracks.markers]
    for track in tl.tracks:
        items = []
        for child in track:
            if isinstance(child, otio.schema.Transition):
                items.append({
                    "type": "transition",
                    "transition_type": child.transition_type,
                    "in_offset": frames(child.in_offset, rate),
                    "out_offset": frames(child.out_offset, rate),
                })
                continue
            placed = child.range_in_parent()
            item = {
                "type": "clip" if isinstance(child, otio.schema.Clip) else "gap",
                "name": child.name,
                "record_in": frames(placed.start_time, rate),
                "source_in": frames(child.source_range.start_time, rate),
                "duration": frames(child.source_range.duration, rate),
            }
            if isinstance(child, otio.schema.Clip):
                ref = child.media_reference
                item["target_url"] = getattr(ref, "target_url", None)
                item["metadata"] = json.loads(otio.core.serialize_json_to_string(child.metadata))
                for m in child.markers:
                    at = m.marked_range.start_time - child.source_range.start_time
                    markers.append(frames(placed.start_time + at, rate))
            items.append(item)
        tracks.append({"name": track.name, "kind": str(track.kind), "items": items})
    return {
        "name": tl.name,
        "duration": frames(tl.duration(), rate),
        "tracks": tracks,
        "markers": sorted(markers),
        "metadata": json.loads(otio.core.serialize_json_to_string(tl.metadata)),
    }


def fcpx_transitions(path, rate):
    def at(value):
        if value in (None, "0s"):
            return Fraction(0)
        return Fraction(value.rstrip("s")) * rate

    out = []
    for t in ET.parse(path).getroot().iter("transition"):
        start, length = at(t.get("offset")), at(t.get("duration"))
        out.append({"name": t.get("name"), "start": float(start), "frames": float(length)})
    return out


if __name__ == "__main__":
    path, adapter, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
    result = read(path, adapter, rate)
    if adapter == "fcpx_xml":
        result["xml_transitions"] = fcpx_transitions(path, rate)
    json.dump(result, sys.stdout)
