"""The JSON view's layer fields (issue 16): `layer_outputs`, `layer_gradients` and `layer_updated` of a
recurrent (or convolution) layer, each nested as in the file (`tutor.model.layerplaces`)."""

from __future__ import annotations

from typing import Any

from tutor.model.layerplaces import LayerPlaces, nest


def with_layers(rec: dict[str, Any], places: LayerPlaces | None) -> dict[str, Any]:
    """`rec` (a step's JSON record) with the layer fields of what it holds; unchanged without places."""
    if places is None:
        return rec
    if "forward" in rec:
        forward = rec["forward"]
        rec["layer_outputs"] = {
            layer: nest(names, lambda n: forward[n]["out"]) for layer, names in places.outputs.items()
        }
    for key, field in (("gradients", "layer_gradients"), ("updated", "layer_updated")):
        if key in rec:
            values = rec[key]
            rec[field] = {
                layer: {name: nest(names, values.__getitem__) for name, names in own.items()}
                for layer, own in places.fields.items()
            }
    return rec
