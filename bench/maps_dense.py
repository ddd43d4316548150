# maps_dense: Map-heavy with dense keys, as maps_dense.mvl; a dict.
def main():
    n = 1000000
    lookups = 25000000
    m = {}
    for i in range(n):
        m[(i * 7919) % 1000003] = i
    total = 0
    missing = 0
    for j in range(lookups):
        v = m.get((j * 7919) % 1000003)
        if v is not None:
            total += v
        else:
            missing += 1
    print(f"maps_dense: {len(m)} keys, {lookups} lookups, sum {total}, missing {missing}")

main()
