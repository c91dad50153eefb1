"""PyTorch (models, GEMM) and NumPy (GEMM) for bench/compare.ts.

Speaks the protocol of bench/compare/protocol.ts: one JSON request per line on stdin, one JSON
reply per line on file descriptor 3. Rebuilds the Fovea model from spec.json (layers, NHWC
shapes) and loads the same initial weights from weights.f32 (Fovea layouts, converted here:
conv kernels [kH, kW, inC, outC] -> [outC, inC, kH, kW]; a Dense after a Flatten gets its rows
permuted from (h, w, c) to PyTorch's (c, h, w) flatten order; batch normalisation gets its moving
statistics and PyTorch's momentum, 1 - Fovea's). A spec whose layers form a chain becomes an
nn.Sequential; a graph (skip connections) a GraphNet, which runs the layers in the spec's
topological order. Inputs are transposed to NCHW once, before timing.

Run with `python3 torch_runner.py --probe` to print what is importable as one JSON line.
"""
import json
import os
import sys
import time


def probe():
    info = {"python": sys.version.split()[0], "executable": sys.executable}
    try:
        import numpy as np

        info["numpy"] = np.__version__
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')} ({blas.get('openblas configuration', '').strip()})"
        except Exception:  # noqa: BLE001 - older numpy has no mode="dicts"
            pass
    except Exception as e:  # noqa: BLE001 - any import failure means "not available"
        info["numpy_error"] = f"{type(e).__name__}: {e}"
    try:
        import torch

        info["torch"] = torch.__version__
        import re

        config = torch.__config__.show()
        found = re.findall(r"(?:BLAS_INFO|LAPACK_INFO)=\w+|CPU capability usage: \w+", config)
        info["torch_blas"] = ", ".join(found)
    except Exception as e:  # noqa: BLE001
        info["torch_error"] = f"{type(e).__name__}: {e}"
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "filepath", "num_threads")} for p in threadpool_info()
        ]
    except Exception:  # noqa: BLE001 - threadpoolctl is optional
        pass
    print(json.dumps(info))


def activation(nn, name, alpha=0.3):
    if name == "linear":
        return []
    if name == "relu":
        return [nn.ReLU()]
    if name == "leakyRelu":
        return [nn.LeakyReLU(alpha)]
    if name == "sigmoid":
        return [nn.Sigmoid()]
    if name == "tanh":
        return [nn.Tanh()]
    if name == "softmax":
        return [nn.Softmax(dim=1)]
    raise ValueError(f"activation {name!r} is not supported")


def logit_layers(spec):
    layers = [dict(layer) for layer in spec["layers"]]
    if not spec["endsWithSoftmax"]:
        return layers
    if layers[-1]["kind"] == "activation":
        return layers[:-1]
    layers[-1]["activation"] = "linear"
    return layers


def graph_module_class(torch):
    nn = torch.nn

    class GraphNet(nn.Module):
        """Runs the layers of a graph spec in order; layer i reads the outputs of `inbound[i]` (-1: the input)."""

        def __init__(self, layers, inbound, is_add):
            super().__init__()
            self.layers = nn.ModuleList(layers)
            self.inbound = [list(ins) for ins in inbound]
            self.is_add = list(is_add)
            # Drop each output after its last reader, so the graph keeps only what it still needs.
            last_use = {}
            for i, ins in enumerate(self.inbound):
                for k in ins:
                    last_use[k] = i
            self.free_after = [[k for k in set(ins) if last_use[k] == i and k >= 0] for i, ins in enumerate(self.inbound)]

        def forward(self, x):
            values = {-1: x}
            out = x
            for i, layer in enumerate(self.layers):
                ins = [values[k] for k in self.inbound[i]]
                if self.is_add[i]:
                    out = ins[0]
                    for t in ins[1:]:
                        out = out + t
                else:
                    out = layer(ins[0])
                values[i] = out
                for k in self.free_after[i]:
                    del values[k]
            return out

    return GraphNet


def build_torch_model(torch, spec, weights):
    """nn.Sequential when every layer reads the previous one (as before graph specs), else a GraphNet."""
    import numpy as np

    nn = torch.nn
    by_layer = {}
    for w in spec["weights"]:
        size = int(np.prod(w["shape"]))
        by_layer.setdefault(w["layer"], {})[w["name"]] = (weights[w["offset"] : w["offset"] + size].reshape(w["shape"]))
    layers = logit_layers(spec)
    per_layer = []  # the modules of each spec layer, in order
    for index, layer in enumerate(layers):
        modules = []
        kind = layer["kind"]
        if kind == "conv":
            top, bottom, left, right = layer["pads"]
            symmetric = top == bottom and left == right
            if not symmetric:
                modules.append(nn.ZeroPad2d((left, right, top, bottom)))
            conv = nn.Conv2d(
                layer["inShape"][2],
                layer["filters"],
                tuple(layer["kernel"]),
                stride=tuple(layer["strides"]),
                padding=(top, left) if symmetric else 0,
                dilation=tuple(layer["dilation"]),
                bias=layer["useBias"],
            )
            w = by_layer[index]
            conv.weight.data = torch.from_numpy(np.ascontiguousarray(w["kernel"].transpose(3, 2, 0, 1)))
            if layer["useBias"]:
                conv.bias.data = torch.from_numpy(w["bias"].copy())
            modules.append(conv)
            modules += activation(nn, layer["activation"])
        elif kind == "pool":
            top, bottom, left, right = layer["pads"]
            if not (top == bottom and left == right):
                raise ValueError("asymmetric pooling padding is not supported")
            k, s = tuple(layer["pool"]), tuple(layer["strides"])
            if layer["op"] == "max":
                modules.append(nn.MaxPool2d(k, s, padding=(top, left)))
            else:
                modules.append(nn.AvgPool2d(k, s, padding=(top, left), count_include_pad=False))
        elif kind == "flatten":
            modules.append(nn.Flatten())
        elif kind == "dense":
            w = by_layer[index]
            kernel = w["kernel"]  # [in, out], rows in Fovea's flatten order
            if layer["flattenedFrom"]:
                h, wd, c = layer["flattenedFrom"]
                kernel = kernel.reshape(h, wd, c, layer["units"]).transpose(2, 0, 1, 3).reshape(h * wd * c, layer["units"])
            linear = nn.Linear(layer["inputs"], layer["units"], bias=layer["useBias"])
            linear.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T))
            if layer["useBias"]:
                linear.bias.data = torch.from_numpy(w["bias"].copy())
            modules.append(linear)
            modules += activation(nn, layer["activation"])
        elif kind == "dropout":
            modules.append(nn.Dropout(layer["rate"]))
        elif kind == "activation":
            modules += activation(nn, layer["activation"], layer.get("alpha", 0.3))
        elif kind == "batchnorm":
            # Fovea (Keras): moving = momentum*moving + (1-momentum)*batch; PyTorch: moving = (1-m)*moving + m*batch.
            rank = len(layer["inShape"])
            if rank not in (1, 3):
                raise ValueError(f"batch normalisation of rank-{rank} inputs is not supported")
            make = nn.BatchNorm2d if rank == 3 else nn.BatchNorm1d
            channels = layer["inShape"][-1]
            bn = make(channels, eps=layer["epsilon"], momentum=1.0 - layer["momentum"], affine=True, track_running_stats=True)
            w = by_layer[index]
            if layer["scale"]:
                bn.weight.data = torch.from_numpy(w["gamma"].copy())
            else:
                bn.weight.data = torch.ones(channels)
                bn.weight.requires_grad_(False)
            if layer["center"]:
                bn.bias.data = torch.from_numpy(w["beta"].copy())
            else:
                bn.bias.data = torch.zeros(channels)
                bn.bias.requires_grad_(False)
            bn.running_mean.copy_(torch.from_numpy(w["movingMean"].copy()))
            bn.running_var.copy_(torch.from_numpy(w["movingVariance"].copy()))
            modules.append(bn)
        elif kind == "add":
            pass  # GraphNet sums the inputs
        elif kind in ("globalAvgPool", "globalMaxPool"):
            modules.append(nn.AdaptiveAvgPool2d(1) if kind == "globalAvgPool" else nn.AdaptiveMaxPool2d(1))
            if not layer["keepdims"]:
                modules.append(nn.Flatten())
        else:
            raise ValueError(f"layer kind {kind!r} is not supported")
        per_layer.append(modules)

    chain = all(len(l["inbound"]) == 1 and l["inbound"][0] == ("input" if i == 0 else layers[i - 1]["name"]) for i, l in enumerate(layers))
    if chain:
        return nn.Sequential(*[m for modules in per_layer for m in modules])
    index_of = {l["name"]: i for i, l in enumerate(layers)}
    inbound = [[-1 if n == "input" else index_of[n] for n in l["inbound"]] for l in layers]
    for i, ins in enumerate(inbound):
        if any(k >= i for k in ins):
            raise ValueError(f"layer {layers[i]['name']!r} reads a later layer: the spec is not in topological order")
    is_add = [l["kind"] == "add" for l in layers]
    return graph_module_class(torch)([nn.Sequential(*modules) for modules in per_layer], inbound, is_add)


class Session:
    def __init__(self, runner, section):
        self.notes = []
        self.unsupported = {}
        self.versions = {}
        self.threads = runner.get("threads") or 1
        self.library = runner["library"]
        if self.library == "pytorch":
            import torch

            torch.set_num_threads(self.threads)
            try:
                torch.set_num_interop_threads(1)
            except RuntimeError:
                pass
            torch.manual_seed(0)
            self.torch = torch
            self.versions["torch"] = torch.__version__
            self.threads = torch.get_num_threads()
        import numpy as np

        self.np = np
        self.versions["numpy"] = np.__version__
        self.versions["python"] = sys.version.split()[0]
        if section["kind"] == "gemm":
            rng = np.random.default_rng(7)
            self.mats = {}
            for n in section["sizes"]:
                a = (rng.random((n, n), dtype=np.float32) - 0.5).astype(np.float32)
                b = (rng.random((n, n), dtype=np.float32) - 0.5).astype(np.float32)
                if self.library == "pytorch":
                    a, b = self.torch.from_numpy(a), self.torch.from_numpy(b)
                self.mats[n] = (a, b)
            return
        if self.library != "pytorch":
            raise ValueError(f"{self.library} takes part in the GEMM section only")
        self.setup_model(section)

    def setup_model(self, section):
        torch, np = self.torch, self.np
        directory = section["dir"]
        with open(os.path.join(directory, "spec.json")) as f:
            spec = json.load(f)
        self.spec = spec
        weights = np.fromfile(os.path.join(directory, "weights.f32"), dtype="<f4")
        self.model = build_torch_model(torch, spec, weights)
        h, w, c = spec["inputShape"]
        bs, ib, nb = section["batchSize"], section["inferBatch"], section["trainBatches"]
        x = np.fromfile(os.path.join(directory, "train-x.f32"), dtype="<f4").reshape(nb, bs, h, w, c)
        y = np.fromfile(os.path.join(directory, "train-y.i32"), dtype="<i4").reshape(nb, bs)
        self.train_x = [torch.from_numpy(np.ascontiguousarray(x[b].transpose(0, 3, 1, 2))) for b in range(nb)]
        self.train_y = [torch.from_numpy(y[b].astype(np.int64)) for b in range(nb)]
        xi = np.fromfile(os.path.join(directory, "infer-x.f32"), dtype="<f4").reshape(ib, h, w, c)
        self.infer_x = torch.from_numpy(np.ascontiguousarray(xi.transpose(0, 3, 1, 2)))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=section["learningRate"], betas=(0.9, 0.999), eps=1e-7)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.cursor = 0
        self.notes.append(f"torch.set_num_threads({self.threads}); NCHW (inputs transposed once, before timing)")
        if any(layer["kind"] == "batchnorm" for layer in spec["layers"]):
            self.notes.append(
                "BatchNorm2d with momentum 1 - Fovea's; train() for training steps (batch statistics), eval() for inference "
                "(the initial moving statistics, as Fovea's inference process); PyTorch updates its running variance with the "
                "unbiased batch variance, Fovea with the biased one (no effect on loss@0 or max|dp|)"
            )

    def info(self):
        return {"versions": self.versions, "threads": self.threads, "notes": self.notes, "unsupported": self.unsupported}

    def run(self, task, calls):
        if task.startswith("gemm-"):
            n = int(task[5:])
            a, b = self.mats[n]
            mm = self.torch.mm if self.library == "pytorch" else self.np.matmul
            t0 = time.perf_counter()
            for _ in range(calls):
                mm(a, b)
            return {"seconds": time.perf_counter() - t0}
        torch = self.torch
        if task == "train":
            self.model.train()
            losses = []
            t0 = time.perf_counter()
            for _ in range(calls):
                b = self.cursor % len(self.train_x)
                self.cursor += 1
                self.optimizer.zero_grad(set_to_none=True)
                loss = self.loss_fn(self.model(self.train_x[b]), self.train_y[b])
                loss.backward()
                self.optimizer.step()
                losses.append(loss.item())
            return {"seconds": time.perf_counter() - t0, "losses": losses}
        if task == "infer":
            self.model.eval()
            probe = []
            t0 = time.perf_counter()
            with torch.inference_mode():
                for i in range(calls):
                    p = torch.softmax(self.model(self.infer_x), dim=1).numpy()
                    if i == 0:
                        probe = p[0].tolist()
            return {"seconds": time.perf_counter() - t0, "probe": probe}
        raise ValueError(f"unknown task {task!r}")


def main():
    out = os.fdopen(3, "w", buffering=1)
    session = None
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        rid = request["id"]
        try:
            if request["cmd"] == "quit":
                break
            if request["cmd"] == "setup":
                session = Session(request["runner"], request["section"])
                out.write(json.dumps({"id": rid, "ok": True, "setup": session.info()}) + "\n")
            else:
                if session is None:
                    raise RuntimeError("run before setup")
                result = session.run(request["task"], request["calls"])
                out.write(json.dumps({"id": rid, "ok": True, "run": result}) + "\n")
        except Exception as e:  # noqa: BLE001 - every failure goes back to the coordinator
            out.write(json.dumps({"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}) + "\n")


if __name__ == "__main__":
    if "--probe" in sys.argv:
        probe()
    else:
        main()
