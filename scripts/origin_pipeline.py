"""The origin project's analysis, for scripts/bench-ingest.ts and bench-query.ts: librosa.load at
22,050 Hz mono, then the mean of 40 MFCCs. Prints one JSON line per file with its timings (wall and CPU,
inside the interpreter), after one untimed warm-up run on the first file.
Usage: python3 scripts/origin_pipeline.py FILE..."""
import json
import sys
import time

t_start = time.perf_counter()
import librosa  # noqa: E402  (timed: the import is part of the start-up cost)

import_s = time.perf_counter() - t_start


def describe(path):
    t = time.perf_counter()
    y, sr = librosa.load(path, sr=22050, mono=True)
    load_s = time.perf_counter() - t
    return len(y) / sr, load_s, librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).mean(axis=1)


files = sys.argv[1:]
describe(files[0])  # warm-up: numba/JIT and codec initialisation
print(json.dumps({"import_s": import_s, "version": librosa.__version__}), flush=True)
for f in files:
    w, c = time.perf_counter(), time.process_time()
    seconds, load_s, _ = describe(f)
    print(json.dumps({"file": f, "audio_s": seconds, "load_s": load_s, "wall_s": time.perf_counter() - w,
                      "cpu_s": time.process_time() - c}), flush=True)
