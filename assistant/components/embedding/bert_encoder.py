"""A plain BERT encoder in a few lines of torch, for sentence-transformers models of the
shape Transformer(BERT) -> mean Pooling -> Normalize, such as all-MiniLM-L6-v2.

Why: importing sentence-transformers and transformers takes most of a cold start on these
2-core machines (~8 s before the first vector), for a model whose forward pass is six
standard encoder layers. This module needs only torch, safetensors and tokenizers, and
gives the same vectors as ``SentenceTransformer.encode(normalize_embeddings=True)``
(checked by ``tests/integration/test_embedding.py``). Any model of another shape (other
pooling, another architecture, relative positions) is refused here and goes through
sentence-transformers instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class BertMeanPoolingEncoder:
    """Mean-pooled, L2-normalised BERT sentence vectors (inference only, CPU)."""

    def __init__(self, path: Path, weights: dict, config: dict, tokenizer, batch_size: int, int8: bool = False):
        self.path = path
        self.w = weights
        self.cfg = config
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.int8 = int8
        self._qlin = self._quantised_linears() if int8 else None

    def _quantised_linears(self) -> dict:
        """The encoder layers' Linear layers with int8 weights, quantised dynamically
        (``torch.ao.quantization.quantize_dynamic``: weights to int8 once, activations per
        call). Different vectors from the float model: see ``Settings.embedding_int8``."""
        import torch
        from torch import nn

        linears = nn.ModuleDict()
        for name, weight in self.w.items():
            if name.startswith("encoder.layer.") and name.endswith(".weight") and weight.dim() == 2:
                key = name.removesuffix(".weight")
                lin = nn.Linear(weight.shape[1], weight.shape[0])
                lin.weight.data.copy_(weight)
                lin.bias.data.copy_(self.w[key + ".bias"])
                linears[key.replace(".", "__")] = lin
        # per output channel: per-tensor scales lost too much on this model (cosine to the float
        # vectors 0.93 on average on the corpus, against 0.977 per channel)
        q = torch.ao.quantization.quantize_dynamic(
            linears, {nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8)
        return {k.replace("__", "."): m for k, m in q.items()}

    @classmethod
    def try_load(cls, name: str, max_tokens: int, batch_size: int, int8: bool = False) -> "BertMeanPoolingEncoder | None":
        """The encoder for the model folder ``name``, or None when the model is not of this shape."""
        path = Path(name)
        try:
            modules = json.loads((path / "modules.json").read_text())
            types = [m["type"].rsplit(".", 1)[-1] for m in modules]
            pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
            pooling = json.loads((path / pooling_dir / "config.json").read_text())
            config = json.loads((path / "config.json").read_text())
        except (OSError, ValueError, KeyError, StopIteration):
            return None
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
        plain_bert = (
            config.get("model_type") == "bert"
            and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
        )
        if (types != ["Transformer", "Pooling", "Normalize"] or modes != {"pooling_mode_mean_tokens"} or not plain_bert
                or not (path / "tokenizer.json").exists() or not (path / "model.safetensors").exists()):
            return None
        try:
            seq = json.loads((path / "sentence_bert_config.json").read_text()).get("max_seq_length", max_tokens)
        except (OSError, ValueError):
            seq = max_tokens
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        raw = load_file(str(path / "model.safetensors"))
        weights = {k.removeprefix("bert."): v.to(torch.float32) for k, v in raw.items()}
        needed = ["embeddings.word_embeddings.weight", f"encoder.layer.{int(config['num_hidden_layers']) - 1}.output.dense.weight"]
        if not all(k in weights for k in needed):
            return None
        tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        tok.enable_truncation(max_length=min(int(seq), max_tokens, int(config.get("max_position_embeddings", 512))))
        pad_id = tok.token_to_id("[PAD]")
        tok.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token="[PAD]")
        return cls(path, weights, config, tok, batch_size, int8)

    def get_embedding_dimension(self) -> int:
        return self.hidden

    def _forward(self, ids, mask):
        import torch
        import torch.nn.functional as F

        w = self.w
        n, length = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length].unsqueeze(0)
             + w["embeddings.token_type_embeddings.weight"][0])
        x = F.layer_norm(x, (self.hidden,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        keep = mask.bool()[:, None, None, :]  # padding is never attended to
        d = self.hidden // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(t, name):
                if self._qlin is not None:
                    return self._qlin[p + name](t)
                return F.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])

            q, k, v = (lin(x, f"attention.self.{t}").view(n, length, self.heads, d).transpose(1, 2)
                       for t in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            a = a.transpose(1, 2).reshape(n, length, self.hidden)
            x = F.layer_norm(lin(a, "attention.output.dense") + x, (self.hidden,),
                             w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps)
            h = F.gelu(lin(x, "intermediate.dense"))
            x = F.layer_norm(lin(h, "output.dense") + x, (self.hidden,),
                             w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        return x

    def encode(self, texts, batch_size=None, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False):
        """Same call shape as ``SentenceTransformer.encode`` for what this project uses."""
        import torch
        import torch.nn.functional as F

        batch_size = batch_size or self.batch_size
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b:b + batch_size]
                enc = self.tokenizer.encode_batch([texts[i] for i in idx])
                ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
                mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
                hidden = self._forward(ids, mask)
                m = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
                if normalize_embeddings:
                    pooled = F.normalize(pooled, p=2, dim=1)
                out[idx] = pooled.numpy()
        return out
