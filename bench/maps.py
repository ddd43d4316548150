# maps: Map-heavy, as maps.mvl; a dict with sparse Int keys.
def main():
    n = 1000000
    lookups = 10000000
    m = {}
    for i in range(n):
        m[(i * 7919) % 1000003 * 1009] = i
    total = 0
    missing = 0
    for j in range(lookups):
        v = m.get((j * 7919) % 1000003 * 1009)
        if v is not None:
            total += v
        else:
            missing += 1
    print(f"maps: {len(m)} keys, {lookups} lookups, sum {total}, missing {missing}")

main()
