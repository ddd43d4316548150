-- loop: a dispatch-bound while loop, as loop.mvl.
local function main()
  local n = 30000000
  local total = 0
  local i = 0
  while i < n do
    total = total + (i % 7)
    i = i + 1
  end
  print(string.format("loop(%d) = %d", n, total))
end
main()
