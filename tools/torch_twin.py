"""PyTorch's nn.LSTM and nn.GRU at the benchmark's shapes, for `make bench` to compare against.

Not a project dependency and not imported by it: `python -m tools.bench
--torch_python=/path/to/python` runs this file with an interpreter that has PyTorch (a
scratch environment of your own), and reads one JSON line from it:
{"lstm": {"64x30": steps/s, ...}, "gru": {...}}. The model is the benchmark's:
Embedding(10, 16) -> nn.LSTM/nn.GRU(128, batch_first) -> Linear(9) at every step,
cross-entropy, Adam, on one fixed random batch, with the given threads; the median of
interleaved rounds, like the Keras side.

    python trainer/torch_twin.py --shapes=64x30,128x120 --threads=2
"""

import argparse
import json
import time

import numpy as np
import torch


def steps_per_second(step, seconds, warmup=2):
    for _ in range(warmup):
        step()
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < seconds:
        step()
        calls += 1
    return calls / (time.perf_counter() - start)


class Twin(torch.nn.Module):
    def __init__(self, kind, units=128, embedding=16, inputs=10, classes=9):
        super().__init__()
        self.embedding = torch.nn.Embedding(inputs, embedding)
        self.recurrent = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](embedding, units, batch_first=True)
        self.head = torch.nn.Linear(units, classes)

    def forward(self, x):
        return self.head(self.recurrent(self.embedding(x))[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shapes", default="64x30,128x120")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rates = {}
    for shape in args.shapes.split(","):
        batch, steps = map(int, shape.split("x"))
        x = torch.randint(0, 10, (batch, steps))
        y = torch.randint(0, 9, (batch, steps))
        models = {kind: Twin(kind) for kind in ("lstm", "gru")}
        optimizers = {kind: torch.optim.Adam(model.parameters()) for kind, model in models.items()}
        loss = torch.nn.CrossEntropyLoss()

        def step(kind):
            optimizers[kind].zero_grad()
            loss(models[kind](x).reshape(-1, 9), y.reshape(-1)).backward()
            optimizers[kind].step()

        samples = {kind: [] for kind in models}
        for _ in range(args.rounds):
            for kind in models:
                samples[kind].append(steps_per_second(lambda: step(kind), args.seconds))
        for kind, values in samples.items():
            rates.setdefault(kind, {})[shape] = float(np.median(values))
    print(json.dumps({"torch": torch.__version__, **rates}))


if __name__ == "__main__":
    main()
