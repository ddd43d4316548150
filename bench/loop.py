# loop: a dispatch-bound while loop, as loop.mvl.
def main():
    n = 30000000
    total = 0
    i = 0
    while i < n:
        total = total + (i % 7)
        i += 1
    print(f"loop({n}) = {total}")

main()
