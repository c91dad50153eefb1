"""
What the PyTorch reference scripts share: the JPEG copy decoded by Pillow in Fovea's
class-interleaved order, test accuracy (with flip and flip-translate views), timed epochs, and the
command line they run under - train each configuration of a plan for its seeds and rewrite the
JSON report atomically after each configuration.
"""
import argparse
import io
import json
import math
import os
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']


def _decode(blob):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(blob)).convert('RGB'), dtype=np.uint8)


def load_split(archive, split):
    """Images [N, 32, 32, 3] uint8 and labels [N], in Fovea's class-interleaved order."""
    per_class = {c: [] for c in CLASSES}
    with tarfile.open(archive, 'r:gz') as tar:
        for member in tar:
            parts = member.name.split('/')
            if member.isfile() and len(parts) >= 3 and parts[-3] == split and parts[-2] in per_class:
                per_class[parts[-2]].append((parts[-1], tar.extractfile(member).read()))
    for c in CLASSES:
        per_class[c].sort()
    counts = {len(v) for v in per_class.values()}
    if len(counts) != 1:
        raise ValueError(f'{archive}: {split} classes hold different numbers of images: {sorted(counts)}')
    per = counts.pop()
    # Image i of class c goes to position i * 10 + c: the first N images cover every class, as in
    # Fovea's image-folder loader (interleaveClasses), so the whitening layer sees the same 5,000.
    blobs = [per_class[name][i][1] for i in range(per) for name in CLASSES]
    labels = np.tile(np.arange(len(CLASSES), dtype=np.int64), per)
    with ProcessPoolExecutor() as pool:
        images = np.stack(list(pool.map(_decode, blobs, chunksize=512)))
    return images, labels


def test_logits(model, images, tta):
    def flip_average(x):
        return 0.5 * model(x) + 0.5 * model(x.flip(-1))

    out = []
    with torch.no_grad():
        for x in images.split(2000):
            if tta == 0:
                out.append(model(x).float())
                continue
            plain = flip_average(x)
            if tta == 2:
                p = F.pad(x, (1,) * 4, mode='reflect')
                plain = 0.5 * plain + 0.25 * (flip_average(p[:, :, 0:32, 0:32]) + flip_average(p[:, :, 2:34, 2:34]))
            out.append(plain.float())
    return torch.cat(out)


def accuracy(model, images, labels, tta):
    model.eval()
    acc = (test_logits(model, images, tta).argmax(1) == labels).float().mean().item()
    model.train()
    return acc


class EpochCheckpoint:
    """What a run needs to go on after an epoch - the state of each of `parts` (modules,
    optimizers: state_dict; torch.Generator: get_state), torch's global generator, the epochs done,
    the accuracies so far and the training seconds - saved atomically to DIR/NAME-seedSEED.pt after
    every epoch and loaded back at the start, so a run longer than the machine stays up (80 epochs
    on a CPU) continues where it stopped and ends with the weights of an unbroken run. With no
    directory it does nothing."""

    def __init__(self, directory, name, seed, parts):
        self.path = os.path.join(directory, f'{name}-seed{seed}.pt') if directory else None
        self.parts = parts

    def load(self):
        """(epochs done, accuracies so far, seconds so far): (0, [], 0.0) without a saved state."""
        if self.path is None or not os.path.exists(self.path):
            return 0, [], 0.0
        state = torch.load(self.path)
        for key, part in self.parts.items():
            if isinstance(part, torch.Generator):
                part.set_state(state['parts'][key])
            else:
                part.load_state_dict(state['parts'][key])
        torch.set_rng_state(state['torchRng'])
        print(f'resumed from {self.path} after epoch {state["epoch"]}', flush=True)
        return state['epoch'], state['history'], state['seconds']

    def save(self, epoch, history, seconds):
        if self.path is None:
            return
        os.makedirs(os.path.dirname(self.path) or '.', exist_ok=True)
        parts = {key: part.get_state() if isinstance(part, torch.Generator) else part.state_dict()
                 for key, part in self.parts.items()}
        tmp = self.path + '.tmp'
        torch.save({'epoch': epoch, 'history': history, 'seconds': seconds, 'parts': parts,
                    'torchRng': torch.get_rng_state()}, tmp)
        os.replace(tmp, self.path)


def timed_epochs(epochs, device, run_epoch, evaluate, checkpoint=None):
    """Calls run_epoch(epoch) for each epoch, timing it (queued GPU work included), then
    evaluate() for the test accuracy in [0, 1]. Returns the accuracies in % and the seconds.
    With a checkpoint (EpochCheckpoint), starts after the epochs it holds and saves after each."""
    start, history, seconds = checkpoint.load() if checkpoint else (0, [], 0.0)
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        run_epoch(epoch)
        if device.type == 'cuda':
            torch.cuda.synchronize()
        seconds += time.perf_counter() - t0
        history.append(round(evaluate() * 100, 2))
        print(f'epoch {epoch + 1}/{epochs}: test {history[-1]:.2f}%, {seconds:.0f} s of training so far', flush=True)
        if checkpoint:
            checkpoint.save(epoch + 1, history, seconds)
    return history, round(seconds, 2)


def optimizer_step(opt, loss):
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def run(doc, plans, default_plan, train_once, budget=math.inf, resumable=False):
    """The command line. With `resumable`, it takes --checkpoint-dir DIR and calls
    train_once(cfg, data, device, seed, checkpoint_dir); else train_once(cfg, data, device, seed)."""
    parser = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    parser.add_argument('--data', required=True, help='cifar10-jpg.tar.gz (the JPEG q75 copy)')
    parser.add_argument('--plan', default=default_plan, choices=sorted(plans))
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--out', required=True, help='JSON file, rewritten after every configuration')
    parser.add_argument('--seeds', type=int, default=0, help="runs per configuration (default: the plan's)")
    parser.add_argument('--budget', type=float, default=budget, help='seconds; no run starts after them')
    parser.add_argument('--limit', type=int, default=0, help='use only the first N training images (checks)')
    if resumable:
        parser.add_argument('--checkpoint-dir', default=None,
                            help='save each run after every epoch here, and continue the runs saved here')
    args = parser.parse_args()

    device = torch.device(args.device)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    t0 = time.perf_counter()
    (train_x, train_y), (test_x, test_y) = load_split(args.data, 'train'), load_split(args.data, 'test')
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    to = lambda a: torch.from_numpy(a).to(device)
    data = (to(train_x).permute(0, 3, 1, 2).float() / 255, to(train_y),
            to(test_x).permute(0, 3, 1, 2).float() / 255, to(test_y))
    report = {
        'data': os.path.basename(args.data), 'decoder': 'Pillow (libjpeg)', 'device': str(device),
        'gpu': torch.cuda.get_device_name(0) if device.type == 'cuda' else None,
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'plan': args.plan,
        'decodeSeconds': round(time.perf_counter() - t0, 1), 'runs': [],
    }
    print(json.dumps({k: v for k, v in report.items() if k != 'runs'}), flush=True)
    for cfg, seeds in plans[args.plan]:
        # TF32 would round float32 products to 10-bit mantissas; Fovea multiplies in float32.
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = cfg.get('precision', 'fp32') != 'fp32'
        results = []
        for seed in range(args.seeds or seeds):
            if time.perf_counter() - t0 > args.budget:
                break
            extra = (args.checkpoint_dir,) if resumable else ()
            results.append(train_once(cfg, data, device, seed, *extra))
            print(cfg['name'], json.dumps(results[-1]), flush=True)
        if results:
            means = {'mean' + k[0].upper() + k[1:]: round(sum(r[k] for r in results) / len(results), 2)
                     for k in results[0] if k == 'accuracy' or k.startswith('tta')}
            report['runs'].append({'config': dict(cfg), 'results': results, **means})
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(report, f, indent=1)
        os.replace(tmp, args.out)
    print(f'done in {time.perf_counter() - t0:.0f} s', flush=True)
