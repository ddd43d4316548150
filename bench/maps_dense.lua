-- maps_dense: Map-heavy with dense keys, as maps_dense.mvl; a table whose
-- Int keys Lua moves to its array part.
local function main()
  local n = 1000000
  local lookups = 25000000
  local m = {}
  local count = 0
  for i = 0, n - 1 do
    m[(i * 7919) % 1000003] = i
    count = count + 1
  end
  local total = 0
  local missing = 0
  for j = 0, lookups - 1 do
    local v = m[(j * 7919) % 1000003]
    if v then total = total + v else missing = missing + 1 end
  end
  print(string.format("maps_dense: %d keys, %d lookups, sum %d, missing %d", count, lookups, total, missing))
end
main()
