-- Storage (Are We Fast Yet), as storage.lua; LuaJIT has no `&` operator.
local Random = {}
Random.__index = Random
function Random.new() return setmetatable({ seed = 74755 }, Random) end
function Random:next()
  self.seed = bit.band((self.seed * 1309) + 13849, 65535)
  return self.seed
end

local count = 0

local function build_tree_depth(depth, random)
  count = count + 1
  if depth == 1 then
    local n = random:next() % 10 + 1
    local leaf = {}
    for i = 1, n do leaf[i] = 0 end
    return leaf
  else
    local arr = {}
    for i = 1, 4 do arr[i] = build_tree_depth(depth - 1, random) end
    return arr
  end
end

local function benchmark()
  local random = Random.new()
  count = 0
  local _ = build_tree_depth(7, random)
  return count
end

local iterations = 300
local result = 0
for _ = 1, iterations do
  result = benchmark()
  if result ~= 5461 then print("storage: FAILED, got " .. result); os.exit(1) end
end
print(string.format("storage: %d (%d iterations, verified)", result, iterations))
