# Permute (Are We Fast Yet), as permute.mvl.
import sys


class Permute:
    def __init__(self):
        self.count = 0
        self.v = [0] * 6

    def permute(self, n):
        self.count += 1
        if n != 0:
            n1 = n - 1
            self.permute(n1)
            for i in range(n1, -1, -1):
                self.swap(n1, i)
                self.permute(n1)
                self.swap(n1, i)

    def swap(self, i, j):
        v = self.v
        tmp = v[i]
        v[i] = v[j]
        v[j] = tmp


def benchmark():
    p = Permute()
    p.permute(6)
    return p.count


iterations = 1000
result = 0
for _ in range(iterations):
    result = benchmark()
    if result != 8660:
        print(f"permute: FAILED, got {result}")
        sys.exit(1)
print(f"permute: {result} ({iterations} iterations, verified)")
