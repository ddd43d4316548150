-- The binary-trees benchmark, as binary_trees.mvl. Depth 14.
local function make(depth)
  if depth == 0 then return { false, false } end
  return { make(depth - 1), make(depth - 1) }
end

local function check(n)
  if not n then return 0 end
  return 1 + check(n[1]) + check(n[2])
end

local max_depth = 14
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d\t check: %d", stretch, check(make(stretch))))
local long_lived = make(max_depth)
for depth = 4, max_depth, 2 do
  local iterations = 1 << (max_depth - depth + 4)
  local total = 0
  for _ = 1, iterations do total = total + check(make(depth)) end
  print(string.format("%d\t trees of depth %d\t check: %d", iterations, depth, total))
end
print(string.format("long lived tree of depth %d\t check: %d", max_depth, check(long_lived)))
