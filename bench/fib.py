# fib: recursive Fibonacci, as fib.mvl.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

n = 35
print(f"fib({n}) = {fib(n)}")
