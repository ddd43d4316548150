# The binary-trees benchmark, as binary_trees.mvl. Depth 14.
import sys
sys.setrecursionlimit(10000)

def make(depth):
    if depth == 0:
        return (None, None)
    return (make(depth - 1), make(depth - 1))

def check(n):
    if n is None:
        return 0
    return 1 + check(n[0]) + check(n[1])

max_depth = 14
stretch = max_depth + 1
print(f"stretch tree of depth {stretch}\t check: {check(make(stretch))}")
long_lived = make(max_depth)
for depth in range(4, max_depth + 1, 2):
    iterations = 1 << (max_depth - depth + 4)
    total = 0
    for _ in range(iterations):
        total += check(make(depth))
    print(f"{iterations}\t trees of depth {depth}\t check: {total}")
print(f"long lived tree of depth {max_depth}\t check: {check(long_lived)}")
