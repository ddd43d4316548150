# Storage (Are We Fast Yet), as storage.mvl.
import sys


class Random:
    def __init__(self):
        self.seed = 74755

    def next(self):
        self.seed = ((self.seed * 1309) + 13849) & 65535
        return self.seed


class Storage:
    def __init__(self):
        self.count = 0

    def build_tree_depth(self, depth, random):
        self.count += 1
        if depth == 1:
            return [0] * (random.next() % 10 + 1)
        return [self.build_tree_depth(depth - 1, random) for _ in range(4)]


def benchmark():
    random = Random()
    s = Storage()
    s.build_tree_depth(7, random)
    return s.count


iterations = 300
result = 0
for _ in range(iterations):
    result = benchmark()
    if result != 5461:
        print(f"storage: FAILED, got {result}")
        sys.exit(1)
print(f"storage: {result} ({iterations} iterations, verified)")
