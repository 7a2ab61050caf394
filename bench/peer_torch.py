"""The same models in PyTorch (Debian's python3-torch), timed the way the
Kiln executables time themselves: one warm-up run, then the mean of N runs.

    /usr/bin/python3 bench/peer_torch.py MODEL BATCH RUNS THREADS
prints the mean latency in milliseconds."""
import sys
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10),
                         nn.Softmax(dim=-1)), (784,)


def mnist_cnn():
    # channels_first in PyTorch; the arithmetic is the same.
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10),
                         nn.Softmax(dim=-1)), (1, 28, 28)


def vgg16():
    layers, channels = [], 3
    for width, convs in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(convs):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(25088, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
               nn.Linear(4096, 1000), nn.Softmax(dim=-1)]
    return nn.Sequential(*layers), (3, 224, 224)


class ImdbLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20000, 128)
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.dense = nn.Linear(128, 1)

    def forward(self, ids):
        _, (h, _) = self.lstm(self.embedding(ids))
        return torch.sigmoid(self.dense(h[-1]))


MODELS = {"mlp": mlp, "mnist_cnn": mnist_cnn, "vgg16": vgg16, "imdb_lstm": lambda: (ImdbLstm(), None)}


def main():
    name, batch, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    model, shape = MODELS[name]()
    model.eval()
    x = torch.randint(0, 20000, (batch, 80)) if shape is None else torch.rand((batch,) + shape)
    with torch.inference_mode():
        model(x)
        start = time.perf_counter()
        for _ in range(runs):
            model(x)
        print(f"{(time.perf_counter() - start) * 1000 / runs:.3f}")


if __name__ == "__main__":
    main()
