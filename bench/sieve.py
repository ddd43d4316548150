# Sieve (Are We Fast Yet), as sieve.mvl.
import sys


def sieve(flags, size):
    prime_count = 0
    for i in range(2, size + 1):
        if flags[i - 1]:
            prime_count += 1
            k = i + i
            while k <= size:
                flags[k - 1] = False
                k += i
    return prime_count


def benchmark():
    flags = [True] * 5000
    return sieve(flags, 5000)


iterations = 3000
result = 0
for _ in range(iterations):
    result = benchmark()
    if result != 669:
        print(f"sieve: FAILED, got {result}")
        sys.exit(1)
print(f"sieve: {result} ({iterations} iterations, verified)")
