-- maps: Map-heavy, as maps.mvl; a table with sparse Int keys.
local function main()
  local n = 1000000
  local lookups = 10000000
  local m = {}
  local count = 0
  for i = 0, n - 1 do
    m[(i * 7919) % 1000003 * 1009] = i
    count = count + 1
  end
  local total = 0
  local missing = 0
  for j = 0, lookups - 1 do
    local v = m[(j * 7919) % 1000003 * 1009]
    if v then total = total + v else missing = missing + 1 end
  end
  print(string.format("maps: %d keys, %d lookups, sum %d, missing %d", count, lookups, total, missing))
end
main()
