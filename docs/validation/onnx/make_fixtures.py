"""Writes the small ONNX test models of Tests/DuetONNXTests (ours, generated here) into
docs/validation/onnx/fixtures/: weights are external references to a file that does not exist
(shapes only, a few KB each), plus fixtures.json with MAC and parameter counts by hand
(onnx_models.hand_counts). Usage: .venv-onnx/bin/python docs/validation/onnx/make_fixtures.py"""
import json
import os

import onnx

from onnx_models import gaps_cnn, gpt_block, hand_counts, materialize, mbv3_block, tcn_1d, vit_block

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "fixtures")
os.makedirs(out, exist_ok=True)
summary = {}
for name, model in [("mbv3_block_opset14", mbv3_block(external=True, opset=14)),
                    ("mbv3_block_opset11", mbv3_block(external=True, opset=11)),
                    ("vit_block_opset17", vit_block(external=True, opset=17)),
                    ("gpt_block_opset17", gpt_block(external=True, opset=17)),
                    ("gaps_cnn_opset13", gaps_cnn(external=True, opset=13)),
                    ("tcn_1d_opset13", tcn_1d(external=True, opset=13))]:
    onnx.checker.check_model(materialize(model), full_check=True)
    path = os.path.join(out, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    counts = hand_counts(materialize(model), batch=1)
    summary[name] = {"macs": sum(m for m, _ in counts.values()), "params": sum(p for _, p in counts.values()),
                     "bytes": os.path.getsize(path)}
    print(name, summary[name])
with open(os.path.join(out, "fixtures.json"), "w") as f:
    json.dump(summary, f, indent=2, sort_keys=True)
    f.write("\n")
